"""Credit repair (信用修复): applications to repair a bad record past its minimum display period."""
