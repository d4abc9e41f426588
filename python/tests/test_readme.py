"""README.md's Python example runs as written (issue 25, runnable quick
starts): the ```python block of the "## Python" section, executed in a
fresh namespace; the printed lines are checked for the results it shows."""

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def python_section_code():
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the Python section should hold one python block"
    return blocks[0]


def test_readme_python_example_runs():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(python_section_code(), "README.md (## Python)", "exec"), {})
    printed = out.getvalue()
    assert "lb_stat" in printed and "lb_pvalue" in printed
    assert "rarest_window3" in printed
