"""The CJK font the report embeds: Noto Sans SC (SIL OFL 1.1) from the ``justmytype-intl-cjk``
package, never from the network. The package ships it as a variable font, which fpdf2 would
re-instance on every report (about 17 s); it is made a static TrueType once per font file, under
``var/fonts/`` (keyed by the source's digest), and reused from then on."""

from __future__ import annotations

import hashlib
import os
import threading
from functools import cache
from importlib.resources import files
from pathlib import Path

SOURCE = ("justmytype_intl_cjk", "fonts/ofl/notosanssc/NotoSansSC[wght].ttf")
WEIGHT = 400  # regular; headings are set larger rather than bold, to load one face only
_lock = threading.Lock()


def source_font() -> Path:
    package, name = SOURCE
    return Path(str(files(package).joinpath(name)))


@cache
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def static_font(var_dir: str) -> Path:
    """The static regular face, made on first use (atomic: a half-written file is never used,
    and processes racing to make it each write their own temporary file)."""
    source = source_font()
    target = Path(var_dir) / "fonts" / f"NotoSansSC-{WEIGHT}-{_digest(source)}.ttf"
    if target.exists():
        return target
    with _lock:
        if target.exists():
            return target
        from fontTools.ttLib import TTFont
        from fontTools.varLib import instancer

        target.parent.mkdir(parents=True, exist_ok=True)
        font = instancer.instantiateVariableFont(
            TTFont(str(source)), {"wght": WEIGHT}, static=True, updateFontNames=True
        )
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        font.save(str(partial))
        partial.replace(target)
    return target
