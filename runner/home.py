"""Where experiments live: the home directory, its store file and one directory per trial.

``--home`` beats ``$NNIANNOT_HOME``, which beats ``~/.nni-annot``, so every experiment on a machine is found
from any working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

HOME_ENV = "NNIANNOT_HOME"
DEFAULT_HOME = os.path.join("~", ".nni-annot")


def resolve_home(home: str | None = None) -> str:
    """The absolute home directory chosen by the option, the environment or the default."""
    chosen = home or os.environ.get(HOME_ENV) or DEFAULT_HOME
    return os.path.abspath(os.path.expanduser(chosen))


@dataclass(frozen=True)
class Home:
    """Paths inside a home directory (nothing is created until a writer needs it)."""

    root: str

    @classmethod
    def resolve(cls, home: str | None = None) -> Home:
        return cls(resolve_home(home))

    @property
    def store_path(self) -> str:
        return os.path.join(self.root, "store.db")

    @property
    def snapshots_dir(self) -> str:
        """The parent of the code snapshots (``<snapshots_dir>/<digest>``, shared by identical code)."""
        return os.path.join(self.root, "snapshots")

    def experiment_dir(self, exp_id: str) -> str:
        return os.path.join(self.root, "experiments", exp_id)

    def trials_dir(self, exp_id: str) -> str:
        """The parent of the experiment's trial directories (``<trials_dir>/<trial_id>``)."""
        return os.path.join(self.experiment_dir(exp_id), "trials")
