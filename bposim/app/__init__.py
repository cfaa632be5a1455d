"""The workshop page: a room explores incentive design, on a projector and on phones.

`bposim-dashboard` serves it (bposim.app.server). The page (bposim.app.page) gives every
browser session its own WorkshopModel (bposim.app.model), built from the levers
(bposim.app.levers) a facilitator sets directly or through a lesson (bposim.app.lessons).
"""
