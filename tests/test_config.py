"""grading.toml is read in one place; every bad value is named with its key and file."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.config import ConfigError, find_config, load_config

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "grading.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_repository_grading_toml_loads() -> None:
    config = load_config(ROOT / "grading.toml")
    assert config.seed == 0
    assert config.root == ROOT


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert (config.seed, config.data.dir) == (0, None)


def test_a_relative_data_dir_is_relative_to_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[data]\ndir = "mnist"\n'))
    assert config.data.dir == (tmp_path / "mnist").resolve()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("seed = -1\n", "seed = -1"),
        ('seed = "zero"\n', "seed = 'zero'"),
        ("seed = true\n", "seed = True"),
        ("[data]\ndir = 3\n", "data.dir = 3"),
        ("data = 3\n", "data = 3"),
        ("sed = 1\n", "sed = 1 is not a known key"),
        ("[defaults]\nwall_factor = 0.5\n", "defaults.wall_factor = 0.5"),
        ("[defaults]\nwall_margin = -1\n", "defaults.wall_margin = -1"),
    ],
)
def test_a_bad_value_names_the_key_the_value_and_the_file(
    tmp_path: Path, text: str, named: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert named in str(error.value)
    assert str(path) in str(error.value)


def test_the_wall_clock_backstop_is_a_multiple_of_the_cpu_budget_plus_a_margin(
    tmp_path: Path,
) -> None:
    config = load_config(write(tmp_path, "[defaults]\nwall_factor = 3\nwall_margin = 2.5\n"))
    assert config.backstop(0.8) == pytest.approx(3 * 0.8 + 2.5)
    assert load_config(write(tmp_path, "")).backstop(1.0) == 4 * 1.0 + 10


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "seed = = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML") as error:
        load_config(path)
    assert str(path) in str(error.value)


def test_find_config_searches_the_parents(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_config(nested) == path.resolve()


def test_a_part_with_tests_needs_its_accuracy_table(tmp_path: Path) -> None:
    path = write(tmp_path, "total_points = 1\n[tests.knn]\nx = { points = 1 }\n")
    with pytest.raises(ConfigError, match=r"accuracy\.knn = None is missing"):
        load_config(path)


def test_the_net_must_train_on_more_than_its_validation_images(tmp_path: Path) -> None:
    tiers = "tiers = [[0.9, 1.0]]\nbudget = 10\nmemory_mb = 100\n"
    path = write(tmp_path, f"[accuracy.neural_net]\ntrain_size = 3000\n{tiers}")
    with pytest.raises(ConfigError, match="train_size = 3000 must exceed the 5,000"):
        load_config(path)


# --- the optional parts (docs/optional-parts.md) ------------------------------------------

ON = 'parts = ["warmup", "knn", "linear_svm", "neural_net", "softmax", "conv"]\n'


def test_the_optional_parts_are_off_by_default_and_their_entries_left_out() -> None:
    config = load_config(ROOT / "grading.toml")
    assert config.parts == ("warmup", "knn", "linear_svm", "neural_net")
    assert not any(spec.part in ("softmax", "conv") for spec in config.tests.values())
    assert "softmax" not in config.accuracy and config.points() == config.total_points == 100


def test_parts_switch_the_optional_parts_on_with_their_points(tmp_path: Path) -> None:
    text = (ROOT / "grading.toml").read_text(encoding="utf-8")
    text = ON + text.replace("total_points = 100\n", "total_points = 135\n")
    config = load_config(write(tmp_path, text))
    assert config.parts[-2:] == ("softmax", "conv")
    assert (config.points("softmax"), config.points("conv"), config.points()) == (20, 15, 135)
    assert config.accuracy["softmax"].required == 0.915


def test_switching_a_part_on_without_its_points_names_the_sum(tmp_path: Path) -> None:
    text = ON + (ROOT / "grading.toml").read_text(encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    message = str(error.value)
    assert "total_points = 100" in message and "add up to 135" in message
    assert "softmax, conv" in message and str(tmp_path / "grading.toml") in message


@pytest.mark.parametrize(
    ("parts", "problem"),
    [
        ('["warmup", "knn", "linear_svm", "neural_net", "lstm"]', "'lstm', not a part"),
        ('["warmup", "knn", "linear_svm", "softmax"]', "must list each of"),
        ('["warmup", "knn", "linear_svm", "neural_net", "conv", "conv"]', "must list each of"),
    ],
)
def test_a_bad_parts_list_names_the_problem(tmp_path: Path, parts: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_config(write(tmp_path, f"parts = {parts}\n"))
