#!/bin/sh
# Debian packages the grader uses, installed when missing and we may (root
# with apt-get):
#   bubblewrap  the sandbox of the student's code. Without it the grader
#               still runs, with weaker isolation, and says so in every report.
#   chromium    a headless browser for the tests of the HTML report
#               (tests/render/test_html_browser.py): they open report.html as a
#               student's phone would, to prove that hostile text from student
#               code never runs as script and that the page fits a narrow
#               screen. Grading itself never needs it.
# Never fails: a missing package is a warning that says how to install it.

missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing:$missing (bubblewrap: the sandbox for student code;" \
         "chromium: the browser tests of the HTML report)"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null; then
        exit 0
    fi
    echo "warning: apt-get could not install$missing." >&2
fi
case "$missing" in *bubblewrap*)
    echo "warning: bubblewrap (bwrap) is not installed; student code will run without" \
         "namespace isolation. Install it with: sudo apt-get install bubblewrap" >&2 ;;
esac
case "$missing" in *chromium*)
    echo "warning: chromium is not installed; the browser tests of the HTML report will" \
         "fail. Install it with: sudo sh tools/system-deps.sh (or sudo apt-get install" \
         "chromium)" >&2 ;;
esac
exit 0
