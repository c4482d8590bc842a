"""The contract's parts as records (docs/student-api.md): the one part registry.

Every table keyed by part (titles, the names a module must define, which parts train on
MNIST or have gradient checks, the net's validation split) is read from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """One module of a submission: ``name`` is its stem everywhere (solutions/knn.py,
    assignment/knn.py, the graded knn tests, [tests.knn], knn_*.png)."""

    name: str
    number: str
    title: str
    names: tuple[str, ...]
    """What the module must define: functions, then constants (K, HYPERPARAMS)."""
    mnist: bool
    """Whether the part is trained and evaluated on MNIST ([accuracy.<name>])."""
    gradients: bool
    """Whether its visible tests check analytic gradients (feedback's error chart)."""
    optional: bool = False
    """Graded only when grading.toml's ``parts`` lists it (docs/optional-parts.md)."""
    uses: tuple[str, ...] = ()
    """The parts whose modules this one imports (neural_net's loss calls linear_svm's
    svm_loss, ``from .linear_svm import svm_loss``)."""

    @property
    def heading(self) -> str:
        """``P4.1 k-nearest neighbours (knn.py)``: the part in reports and pages."""
        return f"{self.number} {self.title} ({self.name}.py)"


REGISTRY: tuple[Part, ...] = (
    Part(
        "warmup",
        "P4.0",
        "warm-up",
        ("square_jacobian", "add_mul", "sigmoid_neuron", "matmul_backward"),
        mnist=False,
        gradients=True,
    ),
    Part(
        "knn",
        "P4.1",
        "k-nearest neighbours",
        ("compute_distances", "predict_labels", "K"),
        mnist=True,
        gradients=False,
    ),
    Part(
        "linear_svm",
        "P4.2",
        "linear SVM",
        ("svm_loss", "linear_loss", "train", "predict", "HYPERPARAMS"),
        mnist=True,
        gradients=True,
    ),
    Part(
        "neural_net",
        "P4.3",
        "two-layer net",
        ("init_params", "forward", "relu_backward", "loss", "train", "predict", "HYPERPARAMS"),
        mnist=True,
        gradients=True,
        uses=("linear_svm",),
    ),
    Part(
        "softmax",
        "P4.4",
        "softmax classifier",
        ("softmax", "softmax_loss", "linear_loss", "train", "predict", "HYPERPARAMS"),
        mnist=True,
        gradients=True,
        optional=True,
    ),
    Part(
        "conv",
        "P4.5",
        "convolution",
        ("conv_forward", "conv_backward", "max_pool_forward", "max_pool_backward"),
        mnist=False,
        gradients=True,
        optional=True,
    ),
)
BY_NAME = {part.name: part for part in REGISTRY}

ALL_PARTS = tuple(part.name for part in REGISTRY)
"""Every part the contract knows, required then optional, in assignment order."""
PARTS = tuple(part.name for part in REGISTRY if not part.optional)
"""The required parts: the default of grading.toml's ``parts``."""
OPTIONAL_PARTS = tuple(part.name for part in REGISTRY if part.optional)
"""The parts graded only when grading.toml's ``parts`` switches them on."""
MNIST_PARTS = tuple(part.name for part in REGISTRY if part.mnist)
"""The parts with an MNIST accuracy test (optional ones included)."""
CONTRACT = {part.name: part.names for part in REGISTRY}
"""The names each module must define."""

NET_VALIDATION_SIZE = 5_000
"""The net trains on the first 55,000 training images and validates on the last 5,000."""
