"""The engine as it was before the lean path (issue 17), frozen as the oracle for
``tests/points_engine/test_lean_path.py``.

These modules are verbatim copies of ``points_engine/`` at commit 765b7e4 (assessment, badges,
text, compiled, dates) with only their imports pointed here and their lookup tables kept apart
from ``rules.compiled``. They are the step-by-step implementation whose every step carries its
rule in its docstring; the engine's single-pass ``assess`` must give exactly what they give.
Do not optimise or "fix" them: change them only together with a deliberate change of the
engine's output.
"""

from tests.points_engine.reference.assessment import assess

__all__ = ["assess"]
