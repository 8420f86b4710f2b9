"""The citizen's rights over their personal information (PIPL arts. 44-47): a copy of
everything the product holds about them, and the cancellation of their account (注销账号).

The top domain layer: it reads and, for a cancellation, deletes other domains' rows, so no
other domain needs to know a citizen can leave."""
