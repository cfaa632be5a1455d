"""The page's style sheet: sizes for a projector and a phone (every text 14 px or more).

Shared by the lessons' page (bposim.app.page) and room mode's screens (bposim.app.room_page):
the panes, charts and monitors look the same in both. Colours that mean something come from
bposim.app.palette (colour-blind safe); the rest are neutral greys.
"""

from .palette import BLACK, GAMING_COLOUR, ORANGE, SWITCH_COLOUR, WAITING_SHADE, WAITING_TEXT, gradient_css

CSS = """
html, body { margin: 0; }
.v-application, .v-application .body-1 { font-size: 16px; }
.v-content, .v-main { padding: 0 !important; }
.bp-root { box-sizing: border-box; display: flex; flex-direction: column; gap: 4px; padding: 4px 8px;
  font-size: 16px; line-height: 1.25; word-break: normal; overflow-wrap: normal; hyphens: none; }
.bp-root * { box-sizing: border-box; }
.bp-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; background: #f3f5f8;
  border-bottom: 1px solid #cfd6df; padding: 4px 8px; margin: -4px -8px 0; z-index: 5; }
.bp-brand { font-weight: 700; font-size: 18px; white-space: nowrap; }
.bp-bar .v-btn { text-transform: none; font-size: 16px; letter-spacing: 0; min-width: 64px; height: 40px; }
.bp-lesson-select { flex: 1 1 280px; max-width: 560px; min-width: 220px; }
.bp-lesson-select .v-input { margin: 0; padding: 0; font-size: 16px; }
.bp-lesson-select .v-text-field__details { display: none; }
.bp-week { font-size: 18px; font-weight: 700; white-space: nowrap; }
.bp-waiting { border-radius: 4px; padding: 2px 8px; font-size: 15px; white-space: nowrap; }
.bp-lesson { display: flex; align-items: center; gap: 8px; min-height: 32px; }
.bp-lesson-line { flex: 1 1 auto; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  font-size: 17px; }
.bp-lesson .v-btn { text-transform: none; font-size: 15px; letter-spacing: 0; }
.bp-script { font-size: 17px; background: #fafbfc; border: 1px solid #dde3ea; border-radius: 4px; padding: 4px 10px; }
.bp-script p { margin: 4px 0; }
.bp-levers { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 6px 14px;
  border: 1px solid #dde3ea; border-radius: 4px; padding: 6px 10px; }
.bp-lever { min-width: 0; }
.bp-lever-head { display: flex; justify-content: space-between; gap: 8px; font-size: 16px; }
.bp-lever-value { font-weight: 700; white-space: nowrap; }
.bp-lever-meaning { font-size: 14px; color: #555; }
.bp-lever .v-input { margin: 0; padding: 0; }
.bp-lever .v-messages, .bp-lever .v-text-field__details { display: none; }
.bp-hidden-label .v-label { position: absolute !important; width: 1px; height: 1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.bp-running { font-size: 14px; color: #555; }
.bp-panes { display: grid; gap: 10px; }
.bp-pane { display: flex; flex-direction: column; min-height: 0; min-width: 0; }
.bp-pane-head { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.bp-pane-title { font-weight: 700; font-size: 18px; flex: 1 0 100%; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.bp-monitors { display: flex; gap: 6px; flex: 1 1 auto; flex-wrap: wrap; }
.bp-monitor { flex: 1 1 0; min-width: 100px; border: 1px solid #c9d2dc; border-radius: 4px; padding: 1px 6px;
  display: grid; grid-template-columns: 1fr auto; grid-template-rows: auto auto; background: #fbfcfd; }
.bp-mlabel { font-size: 14px; color: #333; grid-column: 1 / 3; white-space: nowrap; }
.bp-mvalue { font-size: 24px; font-weight: 700; line-height: 1.1; }
.bp-mwhat { font-size: 14px; color: #666; align-self: end; padding-left: 4px; white-space: nowrap; }
.bp-panels { display: grid; gap: 6px 12px; min-height: 0; }
.bp-panel { display: flex; flex-direction: column; min-height: 0; min-width: 0; }
.bp-ptitle { font-size: 15px; font-weight: 700; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.bp-legend, .bp-netkey { display: flex; flex-wrap: wrap; gap: 0 12px; font-size: 14px; color: #333; }
.bp-key { white-space: nowrap; }
.bp-swatch { display: inline-block; width: 22px; height: 0; border-top: 3px solid; vertical-align: middle;
  margin-right: 4px; }
.bp-swatch.bp-dashed { border-top-style: dashed; }
.bp-gradient { display: inline-block; width: 44px; height: 10px; vertical-align: middle; border-radius: 2px; }
.bp-plot { flex: 1 1 auto; min-height: 70px; display: grid; grid-template-columns: auto 38px 1fr;
  grid-template-rows: 1fr 18px; }
/* A y-axis title longer than its chart is tall (on a 1280x720 projector) takes a second line,
   broken between its parts (each part a nowrap span), never cut. */
.bp-ytitle { grid-row: 1; grid-column: 1; writing-mode: vertical-rl; transform: rotate(180deg); font-size: 14px;
  line-height: 17px; min-width: 18px; color: #444; text-align: center; overflow: hidden; }
.bp-ytitle span { white-space: nowrap; }
.bp-yticks { grid-row: 1; grid-column: 2; position: relative; font-size: 14px; color: #333; }
.bp-yticks span { position: absolute; right: 4px; transform: translateY(50%); line-height: 1; white-space: nowrap; }
.bp-yticks span:first-child { transform: none; }
.bp-yticks span:last-child { transform: translateY(100%); }
.bp-area { grid-row: 1; grid-column: 3; position: relative; border-left: 1px solid #888; border-bottom: 1px solid #888;
  min-width: 0; }
.bp-svg { position: absolute; inset: 0; width: 100%; height: 100%; overflow: visible; }
.bp-grid { stroke: #e3e3e3; stroke-width: 1; vector-effect: non-scaling-stroke; }
.bp-zero { stroke: #999; }
.bp-line { fill: none; stroke-width: 2.5; vector-effect: non-scaling-stroke; stroke-linejoin: round; }
.bp-line.bp-dashed { stroke-dasharray: 7 4; }
.bp-xticks { grid-row: 2; grid-column: 3; position: relative; font-size: 14px; color: #333; }
.bp-xticks span { position: absolute; transform: translateX(-50%); line-height: 18px; }
.bp-xticks span:first-child { transform: none; }
.bp-xticks span:last-child { transform: translateX(-100%); }
.bp-xtitle { grid-row: 2; grid-column: 1 / 3; font-size: 14px; color: #444; line-height: 18px; }
.bp-net { flex: 1 1 auto; position: relative; min-height: 70px; }
.bp-edge { vector-effect: non-scaling-stroke; stroke-linecap: round; }
.bp-node { position: absolute; transform: translate(-50%, -50%); border-radius: 50%; border: 1.5px solid #333; }
.bp-node.bp-vendor { width: 26px; height: 26px; border-radius: 3px; }
.bp-nlabel { position: absolute; transform: translateY(-50%); font-size: 14px; white-space: nowrap; line-height: 1; }
.bp-gmark { position: absolute; transform: translate(-50%, -50%); line-height: 1; font-weight: 700; }
/* The bar on top, the rest below it in its own scrolling box: nothing ever passes under the bar. */
.bp-root { height: 100vh; height: 100dvh; overflow: hidden; }
.bp-bar { flex: 0 0 auto; }
.bp-body { flex: 1 1 auto; min-height: 0; overflow-y: auto; display: flex; flex-direction: column; gap: 4px; }
.bp-body > * { flex-shrink: 0; }
/* Projector and laptop: the panes share what the header leaves (all of it, unless levers or the
   script are open: then the body scrolls). */
@media (min-width: 700px) {
  .bp-root.bp-fit .bp-charts { flex: 1 1 auto; min-height: 0; display: flex; flex-direction: column; }
  .bp-root.bp-fit .bp-panes { flex: 1 1 auto; min-height: 0; grid-template-rows: minmax(0, 1fr); }
  .bp-panes.bp-two { grid-template-columns: 1fr 1fr; }
  .bp-panes.bp-two .bp-panels { flex: 1 1 auto; grid-template-columns: 1fr 1fr;
    grid-template-rows: repeat(3, minmax(0, 1fr)); }
  .bp-panes.bp-one .bp-panels { flex: 1 1 auto; grid-template-columns: repeat(3, minmax(0, 1fr));
    grid-template-rows: repeat(2, minmax(0, 1fr)); }
  .bp-root:not(.bp-fit) .bp-panel { height: 190px; }
}
/* Phone: one column, A above B. */
@media (max-width: 699.98px) {
  .bp-brand, .bp-room-button { display: none; }
  .bp-lesson-select { flex: 1 1 100%; max-width: none; }
  .bp-panes { grid-template-columns: 1fr; }
  .bp-panels { grid-template-columns: 1fr; }
  .bp-panel { height: 210px; }
  .bp-monitor { flex: 1 1 40%; }
  .bp-bar { gap: 6px; }
  .bp-bar .v-btn { min-width: 0; padding: 0 8px !important; }
  .bp-of { display: none; }
}
"""
# What carries a colour: "changes waiting" and its Reset, the network's trust key (the map the
# nodes and edges are drawn in), its switch ring and corner-cutting marks.
CSS += f"""
.bp-waiting {{ background: {WAITING_SHADE}; color: {WAITING_TEXT}; border: 1px solid {ORANGE}; }}
.bp-reset-waiting.v-btn {{ background: {ORANGE} !important; color: {BLACK} !important; }}
.bp-gradient {{ background: {gradient_css()}; }}
.bp-node.bp-ring {{ box-shadow: 0 0 0 3px #fff, 0 0 0 6px {SWITCH_COLOUR}; }}
.bp-gmark {{ color: {GAMING_COLOUR}; }}
"""
