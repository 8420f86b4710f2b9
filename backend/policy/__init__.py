"""The credit office's own policy (政策版本): officers draft versions of any kind of content, an
admin other than the drafter publishes them (maker-checker), every step audited."""
