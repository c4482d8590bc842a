"""The battery's accuracy attacks (accuracy_attacks.py): each would earn MNIST accuracy
points on the standard split, and earns none from the grader, which trains and tests on
MNIST in disguise (autograder/engine/disguise.py).

Slow (MNIST): the attacks' files are made once from the standard split, and each attack
is graded on the visible tests of its part, with subsets of MNIST (SIZES) to keep the
trainings short.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from accuracy_attacks import ACCURACY_ATTACKS, ROOT, AccuracyAttack, prepare

from autograder.config import Config, load_config
from autograder.engine.evaluate import EVALUATORS, MnistData
from autograder.engine.grading import grade
from autograder.submission import load_part

pytestmark = [pytest.mark.slow, pytest.mark.mnist]

SIZES = {"knn": (10_000, 1_000), "linear_svm": (10_000, 2_000), "neural_net": (10_000, 2_000)}
"""(training, test) images of each part's accuracy test here; grading.toml's are full."""


def small_config() -> Config:
    """grading.toml with the accuracy tests on SIZES (the disguise's secret unchanged)."""
    config = load_config(ROOT / "grading.toml")
    accuracy = {
        part: dataclasses.replace(spec, train_size=SIZES[part][0], test_size=SIZES[part][1])
        if part in SIZES
        else spec
        for part, spec in config.accuracy.items()
    }
    return dataclasses.replace(config, accuracy=accuracy)


@pytest.fixture(scope="module")
def standard() -> MnistData:
    return MnistData.load()


@pytest.fixture(scope="module")
def offline(standard: MnistData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The attacks' files, made from the standard split (accuracy_attacks.prepare)."""
    folder = tmp_path_factory.mktemp("offline")
    prepare(folder, standard)
    return folder


def submission(tmp_path: Path, attack: AccuracyAttack, offline: Path) -> Path:
    folder = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", folder)
    module = folder / f"{attack.module}.py"
    module.write_text(attack.source(module.read_text()))
    for path in offline.iterdir():
        shutil.copyfile(path, folder / path.name)
    return folder


@pytest.mark.parametrize("attack", ACCURACY_ATTACKS, ids=[a.name for a in ACCURACY_ATTACKS])
def test_an_accuracy_attack_earns_no_accuracy_points(
    tmp_path: Path, attack: AccuracyAttack, standard: MnistData, offline: Path
) -> None:
    config, part = small_config(), attack.module
    spec = config.accuracy[part]
    folder = submission(tmp_path, attack, offline)
    # On the standard split (this process, no worker) the attack would pay
    split = standard.subset(spec.train_size, spec.test_size, config.seed)
    plain = EVALUATORS[part](load_part(folder, part), split)
    assert spec.fraction(plain.accuracy) > 0, plain.accuracy
    result = grade(folder, config, parts=(part,), visible_only=True)
    [outcome] = [o for o in result.outcomes if o.name.startswith("mnist")]
    assert outcome.fraction == 0 and outcome.status == "failed", outcome.message
    assert outcome.message.startswith("test accuracy"), outcome.message
    assert not result.errors, [o.message for o in result.errors]
    assert result.extra["worker"]["processes_left"] == 0
