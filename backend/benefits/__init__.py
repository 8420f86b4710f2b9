"""Benefits and measures (守信激励 / 失信惩戒措施清单) and the repair planner."""
