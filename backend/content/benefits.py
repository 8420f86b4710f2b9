"""The benefits and measures (守信激励 / 失信惩戒措施清单) loaded in this process, for every domain
that reads them: the card's teaser and the unlock notices (scoring), benefit names in messages
(notifications), the benefits API and the merchant check.

Held here, below the domains, rather than in ``backend.benefits``: benefits are built on the
card (the stored assessment, its grades and texts), so ``backend.benefits`` imports
``backend.scoring`` and the card must not import it back. The content is loaded and validated
at start-up by :func:`backend.benefits.catalog.load_benefit_set` (it checks references against
the record catalog and the rules) and installed by the wiring (``backend.wiring``).
"""

from __future__ import annotations

from backend.content.installed import Installed
from points_engine import BenefitSet

_installed: Installed[BenefitSet] = Installed("the benefits content")
install_benefit_set = _installed.install


def benefit_set() -> BenefitSet:
    """Every benefits version of this process's content."""
    return _installed.get()
