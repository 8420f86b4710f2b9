"""Red and black lists (守信红名单 / 严重失信主体名单): proposed by rules, reviewed by an officer,
published, and ended on the day their reason ends."""
