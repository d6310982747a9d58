"""requirements.lock and requirements-dev.lock stay in step with pyproject.toml.

Deployers install with `pip install -c requirements.lock .`: a dependency missing from the
lock, or pinned outside its range, would be resolved afresh or refused at install time.
"""

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(line) for line in PROJECT["dependencies"]]
DEV = RUNTIME + [Requirement(line) for line in PROJECT["optional-dependencies"]["dev"]]


def pins(lock_name: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / lock_name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, separator, version = line.partition("==")
            assert separator, f"{lock_name}: {line!r} is not an exact pin"
            found[canonicalize_name(name)] = version.strip()
    return found


def installed_closure(requirements: list[Requirement]) -> set[str]:
    """The names these requirements pull in, as this virtualenv's packages declare them."""
    seen: set[str] = set()
    pending = [(canonicalize_name(r.name), frozenset(r.extras)) for r in requirements]
    while pending:
        name, extras = pending.pop()
        if name in seen and not extras:
            continue
        seen.add(name)
        for line in metadata.requires(name) or []:
            needed = Requirement(line)
            wanted = {"", *extras}
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in wanted):
                pending.append((canonicalize_name(needed.name), frozenset(needed.extras)))
    return seen


@pytest.mark.parametrize(
    ("lock_name", "requirements"),
    [("requirements.lock", RUNTIME), ("requirements-dev.lock", DEV)],
)
def test_every_dependency_is_pinned_within_its_range(lock_name, requirements):
    locked = pins(lock_name)
    for requirement in requirements:
        version = locked.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is missing from {lock_name}"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock_name} pins {requirement.name}=={version}, outside {requirement.specifier}"
        )


@pytest.mark.parametrize(
    ("lock_name", "requirements"),
    [("requirements.lock", RUNTIME), ("requirements-dev.lock", DEV)],
)
def test_the_dependencies_of_dependencies_are_pinned_too(lock_name, requirements):
    missing = installed_closure(requirements) - set(pins(lock_name))
    assert not missing, f"{lock_name} lacks {sorted(missing)}"


def test_the_dev_lock_pins_the_runtime_set_at_the_same_versions():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime
