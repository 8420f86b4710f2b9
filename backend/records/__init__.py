"""Records (信用记录) reported by departments, and the catalog (信用行为清单) they come from."""
