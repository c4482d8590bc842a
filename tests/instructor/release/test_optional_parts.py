"""The release ships exactly the parts grading.toml switches on: with the optional parts
off nothing of them reaches students or Gradescope; with them on, their stubs, graded
tests, stand-ins, grading.toml entries, README rows and notebook sections do."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.config import Config, load_config, tomllib
from autograder.instructor.release.gradescope import gradescope_tree
from autograder.instructor.release.handout import student_config, student_tree
from autograder.instructor.release.stubs import build_assignment
from autograder.instructor.release.walkthrough import nbgrader_notebook, student_notebook

ROOT = Path(__file__).resolve().parents[3]
OPTIONAL = ("softmax", "conv")


@pytest.fixture(scope="module")
def config_on(tmp_path_factory: pytest.TempPathFactory) -> Config:
    text = (ROOT / "grading.toml").read_text(encoding="utf-8")
    text = text.replace("total_points = 100\n", "total_points = 135\n")
    parts = 'parts = ["warmup", "knn", "linear_svm", "neural_net", "softmax", "conv"]\n'
    path = tmp_path_factory.mktemp("on") / "grading.toml"
    path.write_text(parts + text, encoding="utf-8")
    return load_config(path)


def shipped(config: Config) -> dict[str, bytes]:
    return student_tree(ROOT, config, build_assignment(ROOT / "solutions"), b"{}")


def test_with_the_parts_off_nothing_of_them_is_shipped() -> None:
    config = load_config(ROOT / "grading.toml")
    for tree in (shipped(config), gradescope_tree(ROOT, config, bundle_data=False)):
        for part in OPTIONAL:
            assert not [name for name in tree if f"/{part}" in name], part
    handout_toml = tomllib.loads(student_config(config).decode())
    assert not set(OPTIONAL) & {*handout_toml["tests"], *handout_toml["accuracy"]}
    assert "softmax" not in str(student_notebook())


def test_with_the_parts_on_their_stubs_tests_and_entries_are_shipped(config_on: Config) -> None:
    tree = shipped(config_on)
    for part in OPTIONAL:
        assert b"raise NotImplementedError" in tree[f"assignment/{part}.py"]
        assert f"| `{part}.py` |" in tree["README.md"].decode()
        assert tomllib.loads(tree["grading.toml"].decode())["tests"][part]
    stand_in = tree["autograder/graded/reference.py"].decode()
    assert 'softmax_linear_loss = yours("softmax", "linear_loss")' in stand_in
    hidden = "softmax_is_unchanged_by_a_constant_added_to_a_row"
    assert hidden not in tree["autograder/graded/softmax/test_softmax.py"].decode()
    zipped = gradescope_tree(ROOT, config_on, bundle_data=False)
    assert hidden in zipped["autograder/graded/softmax/test_softmax.py"].decode()


def test_the_notebooks_get_a_section_per_optional_part(config_on: Config) -> None:
    student = str(student_notebook(config_on.parts))
    assert "## 7a. P4.4 softmax" in student and "## 7b. P4.5 convolution" in student
    assert "from assignment import warmup, knn, linear_svm, neural_net, softmax, conv" in student
    sources = {p: (ROOT / "solutions" / f"{p}.py").read_text() for p in config_on.parts}
    points = {p: config_on.points(p) for p in config_on.parts}
    nbgrader = "\n".join(cell.source for cell in nbgrader_notebook(sources, points).cells)
    assert "%%writefile assignment/softmax.py" in nbgrader and 'grade_part("conv")' in nbgrader
