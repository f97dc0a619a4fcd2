"""python -m tests.hostile.attacks > docs/hostile.md"""

from tests.hostile.attacks import doc

print(doc(), end="")
