"""Joint punishment between bodies (联合惩戒): measures travel as trigger → response → feedback
(发起 → 响应 → 反馈). Enforcing bodies (department clients with ``measure:<code>`` scopes) get a
trigger when a record that carries a measure counts, and a lift the day it stops counting; they
answer with feedback, and late feedback counts against them (政务诚信)."""
