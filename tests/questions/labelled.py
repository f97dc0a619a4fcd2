"""Hand-labelled answers to dropout_no_rescale ("what goes wrong without
dividing by p?"), written for the tests: correct, partial and wrong ones,
wrong directions included, in five languages.

Each entry: (language, answer, train_shrinks, test_mismatch, wrong).
``wrong`` marks an answer that states something false (a wrong direction,
or "nothing goes wrong"), which a TA would not give full marks.
"""

from __future__ import annotations

LABELLED: list[tuple[str, str, bool, bool, bool]] = [
    # English
    (
        "en",
        "At training time the expected output of a unit is p*x, smaller than x. At test "
        "time the output is x, larger than what the next layer saw during training.",
        True,
        True,
        False,
    ),
    (
        "en",
        "During training each output is multiplied by p in expectation. At test time "
        "nothing is dropped, so the activations are larger than in training and the "
        "next layers get inputs of a different scale.",
        True,
        True,
        False,
    ),
    (
        "en",
        "Training outputs shrink by a factor of p on average, while test outputs are "
        "not scaled, so the scales differ between train and test.",
        True,
        True,
        False,
    ),
    (
        "en",
        "The expected value in train mode is p times the input. In test mode it is the "
        "input itself.",
        True,
        False,
        False,
    ),
    ("en", "Without the division the training activations are smaller.", True, False, False),
    (
        "en",
        "At test time the activations would be too big compared with training.",
        False,
        True,
        False,
    ),
    (
        "en",
        "The network would behave differently at test time because the distribution "
        "of activations does not match the one seen in training.",
        False,
        True,
        False,
    ),
    (
        "en",
        "Training outputs would be larger than the inputs, so the network overshoots.",
        False,
        False,
        True,
    ),
    ("en", "At test time the outputs would be smaller than during training.", False, False, True),
    ("en", "Nothing would go wrong, dropout only matters during training.", False, False, True),
    ("en", "Dropout is a regularizer that prevents overfitting.", False, False, False),
    ("en", "I am not sure.", False, False, False),
    # Chinese
    (
        "zh",
        "训练时每个单元输出的期望是 p 倍的输入，比输入小。测试时输出等于输入，比训练时更大，"
        "下一层看到的尺度不一致。",
        True,
        True,
        False,
    ),
    ("zh", "训练时输出的期望变小为原来的p倍；测试时不丢弃，输出更大。", True, True, False),
    ("zh", "训练时输出的均值缩小了。", True, False, False),
    ("zh", "测试时的激活值比训练时大，分布不一致。", False, True, False),
    ("zh", "训练时输出会变大，因为没有除以p。", False, False, True),
    ("zh", "没有影响，因为测试时不使用dropout。", False, False, True),
    ("zh", "dropout可以防止过拟合。", False, False, False),
    ("zh", "训练时期望是p乘以x。测试时是x，两者不同。", True, True, False),
    # Korean
    (
        "ko",
        "훈련 중에는 출력의 기댓값이 입력의 p배로 작아집니다. 테스트 시에는 출력이 입력과 같아서 "
        "훈련 때보다 커집니다.",
        True,
        True,
        False,
    ),
    ("ko", "학습할 때 평균 출력이 줄어듭니다.", True, False, False),
    ("ko", "테스트 때 활성값이 훈련 때와 다른 분포를 가집니다.", False, True, False),
    ("ko", "훈련 중 출력이 더 커져서 문제가 됩니다.", False, False, True),
    ("ko", "드롭아웃은 과적합을 막습니다.", False, False, False),
    ("ko", "학습 시 기댓값은 p배가 되고, 테스트 시에는 스케일이 다릅니다.", True, True, False),
    ("ko", "문제 없습니다.", False, False, True),
    ("ko", "테스트 시 출력이 더 작아집니다.", False, False, True),
    # Japanese
    (
        "ja",
        "学習時の出力の期待値は入力の p 倍で小さくなる。テスト時は出力が入力と同じなので、"
        "学習時より大きくなる。",
        True,
        True,
        False,
    ),
    ("ja", "訓練時の平均出力が小さくなる。", True, False, False),
    ("ja", "テスト時の活性化の分布が学習時と異なる。", False, True, False),
    ("ja", "学習時に出力が大きくなりすぎる。", False, False, True),
    ("ja", "ドロップアウトは過学習を防ぐ。", False, False, False),
    ("ja", "問題ないと思う。", False, False, True),
    ("ja", "学習時は期待値が p 倍になる。しかしテスト時はスケールがずれる。", True, True, False),
    # Spanish
    (
        "es",
        "Durante el entrenamiento el valor esperado de la salida es p por x, menor que la "
        "entrada. En la prueba la salida es x, mayor que en el entrenamiento.",
        True,
        True,
        False,
    ),
    ("es", "En el entrenamiento la media de las activaciones se reduce.", True, False, False),
    (
        "es",
        "En la inferencia las activaciones tienen una escala diferente a la del entrenamiento.",
        False,
        True,
        False,
    ),
    ("es", "En el entrenamiento las salidas serían mayores.", False, False, True),
    ("es", "No pasa nada, dropout solo se usa al entrenar.", False, False, True),
    ("es", "El dropout evita el sobreajuste.", False, False, False),
    ("es", "La salida de prueba sería menor que la de entrenamiento.", False, False, True),
    (
        "es",
        "Al entrenar la salida esperada se multiplica por p. Al probar no, y las escalas "
        "no coinciden.",
        True,
        True,
        False,
    ),
]

#: Written after the rubric was tuned on LABELLED and never used to tune it:
#: the honest measure of agreement.
HELD_OUT: list[tuple[str, str, bool, bool, bool]] = [
    (
        "en",
        "If we skip dividing by p, each neuron's average output while training is only "
        "p of its value; at inference the full value comes through, so activations are "
        "inflated relative to training.",
        True,
        True,
        False,
    ),
    ("en", "The test-time outputs will be bigger than the train-time ones.", False, True, False),
    ("en", "Training activations get bigger, because we remove units.", False, False, True),
    ("en", "It would make training slower.", False, False, False),
    (
        "zh",
        "训练阶段输出的平均值只有原来的p倍，测试阶段没有缩放，所以前后尺度不匹配。",
        True,
        True,
        False,
    ),
    ("zh", "测试时输出会比训练时小。", False, False, True),
    (
        "ko",
        "훈련 때 출력의 평균이 p배로 감소하고 추론 때는 그대로라서 분포가 다릅니다.",
        True,
        True,
        False,
    ),
    ("ja", "テストの時、出力は学習の時より大きくなる。", False, True, False),
    (
        "es",
        "Cuando entrenamos, la salida promedio es p veces la entrada; en inferencia es la "
        "entrada completa, así que la escala es distinta.",
        True,
        True,
        False,
    ),
    ("es", "La red funcionaría igual.", False, False, True),
]
