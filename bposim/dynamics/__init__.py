"""The week's phases, one module each, in the order bposim.model.BPOModel.step runs them.

Market-wide phases (market.py: shocks, demand, the split of vendor capacity) work on whole
arrays. Every other phase is a function of one relationship's state, the settings, this
week's random draws and an `ops` namespace (bposim.ops), so it runs on arrays over all
relationships and replications at once, or on one relationship's floats in the per-agent
engine (bposim.engines.AgentEngine).
"""
