"""Prompt templates: versioned text files in the repo's top-level `prompts/` folder (shipped inside the
package through the link `lester_dagster/rewrite/templates`), loaded at run time and filled in through
`${name}` placeholders."""

from __future__ import annotations

import hashlib
import os
import re
import string
from dataclasses import dataclass
from pathlib import Path

from lester_dagster.errors import PromptError

PROMPTS_ENV = "LESTER_PROMPTS_DIR"
_VERSION = re.compile(r"^#\s*version:\s*(\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Prompt:
    """One template: its name (the file's stem), version line, body and a hash of the body."""

    name: str
    version: str
    template: str
    path: Path

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.template.encode()).hexdigest()[:12]

    @property
    def placeholders(self) -> set[str]:
        return {
            m.group("named") or m.group("braced")
            for m in string.Template.pattern.finditer(self.template)
            if m.group("named") or m.group("braced")
        }

    def render(self, **values: str) -> str:
        """The template with every placeholder filled; a missing value is an error, not a silent `$name`."""
        missing = sorted(self.placeholders - set(values))
        if missing:
            raise PromptError(f"prompt {self.name!r} (v{self.version}, {self.path}) needs values for {missing}.")
        return string.Template(self.template).substitute(values)

    def describe(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "sha256": self.sha256}


def prompts_dir(directory: str | Path | None = None) -> Path:
    """Where templates are read from: the argument, else $LESTER_PROMPTS_DIR, else the repo's `prompts/`
    (a checkout or editable install), else the copy inside the package (an installed wheel)."""
    if directory is None:
        directory = os.environ.get(PROMPTS_ENV) or None
    if directory is not None:
        path = Path(directory)
        if not path.is_dir():
            raise PromptError(f"prompt folder {path} does not exist; pass an existing folder to --prompts.")
        return path
    here = Path(__file__).resolve().parent
    for candidate in (here.parents[1] / "prompts", here / "templates"):
        if (candidate / "prepare.txt").is_file():
            return candidate
    raise PromptError(
        f"no prompt templates found in {here.parents[1] / 'prompts'} or {here / 'templates'}; point --prompts "
        f"or ${PROMPTS_ENV} at a folder holding prepare.txt, encode.txt, label.txt, ..."
    )


def load_prompt(name: str, directory: str | Path | None = None) -> Prompt:
    """Reads `<name>.txt`: leading `#` lines are its header (one must be `# version: X`), the rest the body."""
    path = prompts_dir(directory) / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"prompt template {path} is missing.") from None
    lines = text.splitlines()
    header_end = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    header = "\n".join(lines[:header_end])
    version = _VERSION.search(header)
    if version is None:
        raise PromptError(f"prompt template {path} has no '# version: N' line in its header.")
    body = "\n".join(lines[header_end:]).strip("\n") + "\n"
    return Prompt(name, version.group(1), body, path)
