"""The typed schema behind configs/: one dataclass per config section, every field declared once.

The YAML files in configs/ are merged into these dataclasses by Hydra, so a value of the wrong
type is refused by OmegaConf, and `settings.validate` then checks every range (and the few rules
that tie two fields together) before anything runs or is written. Money is in money units (MU),
time in weeks; "per unit of demand" means per unit of the relationship's baseline weekly demand.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore

from .params import param


@dataclass
class MarketConfig:
    """Who is in the market and the world they work in."""

    n_clients: int = param(3, "[1, 1000000]", "number of client firms buying outsourced work", "clients")
    n_vendors: int = param(2, "[1, 1000000]", "number of BPO vendors", "vendors")
    vendors_per_client: int = param(1, "[1, 100]", "vendors each client contracts at once (multi-sourcing)", "vendors")
    base_demand: float = param(100.0, "(0, inf)", "mean baseline demand of a client relationship", "units/week")
    client_size_spread: float = param(0.5, "[0, 3]", "spread of client sizes (sd of log baseline demand)", "log units")
    big_client_multiplier: float = param(1.0, "(0, 1000]", "size of client 0 relative to the others (a bigger competing client)", "x")
    recognition_spread: float = param(0.0, "[0, 1]", "spread of the clients' recognition of good work around client.recognition (sd, each client's clipped to [0, 1]; 0: every client recognises alike)", "index")
    demand_noise: float = param(0.1, "[0, 2]", "week-to-week demand noise (sd of log demand)", "log units")
    seasonality: float = param(0.0, "[0, 0.9]", "amplitude of a yearly demand cycle (0.2 = +/-20%)", "share")
    volume_noise: float = param(0.0, "[0, 10]", "noise in the volume measure (0: an exact count)", "share of demand")
    quality_noise: float = param(0.05, "[0, 10]", "noise of the measured quality score around the truth", "score points")
    noise_correlation: float = param(0.0, "[-1, 1]", "correlation of volume and quality measurement noise", "")
    true_quality_noise: float = param(0.02, "[0, 10]", "week-to-week noise in true quality", "quality points")
    outcome_lag: int = param(4, "[0, 52]", "weeks before a business outcome shows in the client's results", "weeks")
    outcome_noise: float = param(0.5, "[0, 100]", "noise of the business outcome measure", "MU per unit of demand")
    quality_ceiling: float = param(1.0, "(0, inf)", "highest true and measured quality: the top of the quality scale (a large value lifts it, for theory checks)", "quality points")
    pressure_quality_loss: float = param(0.3, "[0, 1]", "true quality lost when a relationship gets none of the capacity it needs", "quality points")
    vendor_heterogeneity: float = param(0.0, "[0, 10]", "scale of the differences between vendors' types: 0 makes every vendor the same, 1 draws each type at the spreads below", "x")
    ability_spread: float = param(0.3, "[0, 3]", "sd across vendors of log quality productivity (ability), at heterogeneity 1", "log units")
    cost_spread: float = param(0.3, "[0, 3]", "sd across vendors of log operating cost, at heterogeneity 1", "log units")
    integrity_spread: float = param(0.2, "[0, 100]", "sd across vendors of the aversion to cutting corners added to vendor.gaming_aversion (the sum floored at 0), at heterogeneity 1", "MU per unit of demand")
    capacity_spread: float = param(0.1, "[0, 3]", "sd across vendors of log staffing (vendor.capacity_slack), at heterogeneity 1", "log units")


@dataclass
class VendorConfig:
    """How vendors value money, effort and the relationship, and how they learn."""

    cost_volume: float = param(2.0, "(0, 100]", "effort cost curvature of volume work (K11)", "MU per unit of demand")
    cost_quality: float = param(6.0, "(0, 100]", "effort cost curvature of quality work (K22)", "MU per unit of demand")
    cost_substitution: float = param(0.8, "[0, 100]", "cross cost of volume and quality effort (K12 > 0: substitutes)", "MU per unit of demand")
    base_quality: float = param(0.5, "[0, 1]", "true quality a competent team delivers with no extra quality effort", "quality points")
    operating_cost: float = param(0.3, "[0, 100]", "fixed weekly cost of serving the relationship", "MU per unit of demand")
    intrinsic_volume: float = param(1.5, "[-10, 10]", "pull of the work queue: throughput effort no pay rewards (k1; negative: disliked)", "MU per unit of effort")
    intrinsic_quality: float = param(0.2, "[-10, 10]", "unpaid professional pride in quality (k2; negative: disliked)", "MU per unit of effort")
    engagement_motivation: float = param(0.3, "[0, 10]", "extra quality motivation of a fully engaged team", "MU per unit of effort")
    transparency_motivation: float = param(0.2, "[0, 10]", "extra quality motivation when the client says quality comes first", "MU per unit of effort")
    risk_aversion: float = param(0.01, "[0, 100]", "constant absolute risk aversion r on the week's pay in MU (on pay per unit of demand when vendor.risk_in_money is false)", "1/MU")
    risk_in_money: bool = param(True, None, "risk aversion is CARA in money on the week's pay in MU, and the risk premium is charged in the vendor's decision to walk away (false: the earlier model, r on pay per unit of demand, entering only the value of the relationship)")
    annual_discount_rate: float = param(0.10, "[0, 100]", "vendor's annual cost of capital; the weekly discount factor is (1 + rate)^(-1/52) unless vendor.discount_factor is set", "per year")
    discount_factor: float = param(-1.0, "[-1, 0.9999]", "weekly discount factor of future margin; -1 (the default): derived from vendor.annual_discount_rate", "")
    outside_option: float = param(0.0, "[-100, 100]", "weekly margin the vendor could earn elsewhere", "MU per unit of demand")
    gaming_saving: float = param(0.5, "[0, 100]", "cost saved by cutting corners on all work", "MU per unit of demand")
    gaming_cost: float = param(1.0, "[0, 100]", "convex cost of gaming (0: all-or-nothing)", "MU per unit of demand")
    gaming_throughput: float = param(0.3, "[0, 10]", "units counted that were not really done, when cutting corners on all work", "share of demand")
    gaming_quality_loss: float = param(0.4, "[0, 1]", "true quality lost by cutting corners on all work", "quality points")
    metric_gameability: float = param(0.6, "[0, 10]", "how much corner-cutting inflates the quality score above the truth", "score points")
    gaming_aversion: float = param(0.1, "[0, 100]", "moral cost of cutting corners on all work", "MU per unit of demand")
    engagement_aversion: float = param(0.3, "[0, 100]", "extra aversion to corner-cutting of a fully engaged team", "MU per unit of demand")
    gaming_drift: float = param(0.01, "[0, 1]", "weekly erosion of that aversion while gaming goes undetected (normalised deviance)", "per week")
    adjustment_speed: float = param(0.3, "[0, 1]", "share of the way to the best response moved each week (1: fully rational)", "per week")
    decision_noise: float = param(0.02, "[0, 1]", "noise in weekly effort and gaming choices", "effort units")
    audit_learning: float = param(0.05, "[0, 1]", "weight of each week's audit experience in the vendor's belief about audit frequency", "per week")
    expectation_learning: float = param(0.5, "[0, 1]", "weight of last week's volume and score in the point where the vendor reads its incentives", "per week")
    margin_learning: float = param(0.1, "[0, 1]", "weight of last week's margin rate in the vendor's expected margin", "per week")
    capacity_slack: float = param(1.15, "(0, 100]", "capacity a vendor staffs per unit of baseline demand of the contracts it holds", "x")
    max_throughput: float = param(1.0, "(0, inf)", "most of a week's demand that can be delivered (inf lifts the cap, for theory checks)", "share of demand")
    attention_margin: float = param(1.0, "[0, 100]", "how strongly capacity goes to better-paying clients", "per unit margin rate")
    attention_trust: float = param(1.5, "[0, 100]", "how strongly capacity goes to clients the vendor trusts", "per unit trust")
    attention_recognition: float = param(0.5, "[0, 100]", "how strongly capacity goes to clients who recognise good work", "per unit recognition")
    attention_size: float = param(0.5, "[0, 100]", "how strongly capacity goes to bigger clients beyond their size", "per log size")
    proactivity_base: float = param(-2.0, "[-20, 20]", "log-odds of flagging a process break with no context, engagement or authority", "log-odds")
    proactivity_context: float = param(3.0, "[0, 50]", "log-odds added to flagging by full context knowledge", "log-odds")
    proactivity_engagement: float = param(2.0, "[0, 50]", "log-odds added to flagging by full engagement", "log-odds")
    proactivity_scope: float = param(1.5, "[0, 50]", "log-odds added to flagging by fully clear decision scope", "log-odds")
    action_base: float = param(0.3, "[0, 1]", "chance per week of acting on a perfectly clear feedback item, disengaged", "probability")
    action_engagement: float = param(0.6, "[0, 1]", "extra chance from full engagement", "probability")
    improvement_step: float = param(0.1, "[0, 1]", "share of the remaining improvement gained per feedback item acted on", "share")
    improvement_quality: float = param(0.3, "[0, 10]", "quality productivity gained at full improvement", "share")
    context_quality: float = param(0.3, "[0, 10]", "quality productivity gained at full context knowledge", "share")
    vendor_feedback_rate: float = param(0.3, "[0, 1]", "chance per week an engaged, trusting vendor gives feedback when asked", "probability")
    engagement_init: float = param(0.6, "[0, 1]", "engagement of a new vendor team", "index")
    engagement_speed: float = param(0.08, "[0, 1]", "weekly share of the way engagement moves toward its target", "per week")
    margin_reference: float = param(0.5, "(0, 10]", "margin rate that makes a team fully content", "share of revenue")
    engagement_weight_margin: float = param(1.0, "[0, 100]", "weight of margin in engagement", "")
    engagement_weight_recognition: float = param(1.0, "[0, 100]", "weight of recognition in engagement", "")
    engagement_weight_trust: float = param(1.0, "[0, 100]", "weight of trust in the client in engagement", "")
    trust_init: float = param(0.5, "[0, 1]", "vendor's trust in a new client", "index")
    trust_gain: float = param(0.03, "[0, 1]", "weekly share of the way to full trust from fair, recognised work", "per week")
    unfair_tolerance: float = param(0.05, "[0, 1]", "shortfall of pay below what true quality would have earned that feels unfair", "share of pay")
    trust_loss_unfair: float = param(0.15, "[0, 1]", "share of trust lost on an unfair penalty (paid less though true quality met the target)", "per event")
    trust_loss_price_cut: float = param(0.2, "[0, 1]", "share of trust lost when the client cuts the price", "per event")
    trust_loss_warning: float = param(0.1, "[0, 1]", "share of trust lost on a warning with no detected gaming behind it", "per event")
    exit_patience: int = param(2, "[0, 100]", "reviews in a row with margin below the outside option after which the vendor walks away (0: never)", "reviews")


@dataclass
class ClientConfig:
    """What clients value, how they oversee, and the management practices they choose."""

    value_volume: float = param(2.0, "[0, 1000]", "value to the client of delivered volume", "MU per unit of demand")
    value_quality: float = param(3.0, "[0, 1000]", "value to the client of true quality (per unit of demand at quality 1)", "MU per unit of demand")
    quality_per_unit: bool = param(True, None, "value quality per unit delivered (value_quality x volume x quality); false: per baseline seat whatever is delivered (the earlier model)")
    rework_cost: float = param(0.0, "[0, 1000]", "cost of reworking a defective unit delivered (a unit at quality q is defective with chance 1 - q)", "MU per unit")
    unserved_cost: float = param(1.0, "[0, 1000]", "cost of a unit of demand not delivered, beyond the value it does not bring (backlog worked off later, business lost)", "MU per unit")
    quality_target: float = param(0.75, "[0, 1]", "quality the client expects", "quality points")
    audit_rate: float = param(0.1, "[0, 1]", "chance per week of an audit at full trust", "probability")
    audit_trust_sensitivity: float = param(1.0, "[0, 100]", "extra audits at zero trust relative to full trust", "x")
    gaming_sanction: float = param(0.5, "[0, 1000]", "clawback each time an audit finds corner-cutting", "MU per unit of demand")
    termination_on_detection: float = param(0.3, "[0, 1]", "chance a review ends a contract where gaming was found that quarter", "probability")
    oversight_base_hours: float = param(8.0, "[0, 1000]", "weekly supervision hours at zero trust and vague decision scope", "hours/week")
    oversight_trust_relief: float = param(0.7, "[0, 1]", "share of supervision hours saved at full trust", "share")
    oversight_scope_relief: float = param(0.4, "[0, 1]", "share of supervision hours saved by fully clear decision scope", "share")
    hours_per_audit: float = param(4.0, "[0, 1000]", "management hours one audit takes", "hours")
    hours_per_missed_break: float = param(6.0, "[0, 1000]", "hours to find and fix a break the vendor missed", "hours")
    hours_per_flagged_break: float = param(1.0, "[0, 1000]", "hours to approve a fix the vendor proposed", "hours")
    hours_per_feedback_item: float = param(0.5, "[0, 1000]", "hours to write or repeat a feedback item", "hours")
    hourly_cost: float = param(5.0, "[0, 10000]", "cost of an hour of client management time", "MU/hour")
    break_rate: float = param(0.05, "[0, 1]", "chance per week a process breaks in a relationship", "probability")
    break_gaming: float = param(2.0, "[0, 100]", "extra breaks when corners are cut on all work", "x")
    break_pressure: float = param(1.0, "[0, 100]", "extra breaks when the vendor has none of the capacity it needs", "x")
    flagged_break_cost: float = param(10.0, "[0, 1e6]", "cost of a break the vendor flagged and fixed early", "MU")
    missed_break_cost: float = param(150.0, "[0, 1e6]", "damage of a break the client found itself", "MU")
    escalation_chance: float = param(0.5, "[0, 1]", "chance a missed break reaches the client's own stakeholders", "probability")
    quality_escalation: float = param(0.2, "[0, 10]", "chance per week of a stakeholder escalation per 0.1 of true quality below target", "per 0.1 quality points")
    escalation_cost: float = param(100.0, "[0, 1e6]", "cost of an escalation to the client's stakeholders", "MU")
    expectation_clarity: float = param(0.5, "[0, 1]", "clarity of expectations and decision scope given to the vendor", "index")
    context_sharing: float = param(0.5, "[0, 1]", "sharing of playbooks and business updates", "index")
    early_planning: float = param(0.0, "[0, 1]", "involvement of the vendor in early planning", "index")
    feedback_clarity: float = param(0.5, "[0, 1]", "how clear, specific and actionable feedback items are", "index")
    two_way_feedback: float = param(0.5, "[0, 1]", "how much the client asks the vendor for feedback on its own processes", "index")
    priority_transparency: float = param(0.5, "[0, 1]", "how openly the client says quality comes before cost", "index")
    recognition: float = param(0.3, "[0, 1]", "how much good work is recognised and celebrated", "index")
    feedback_base: float = param(0.05, "[0, 1]", "chance per week of a feedback item with nothing wrong in sight", "probability")
    feedback_rate: float = param(0.3, "[0, 10]", "extra chance per week of a feedback item per 0.1 of score below target", "per 0.1 score points")
    feedback_on_incident: float = param(0.5, "[0, 1]", "chance of a feedback item after a missed break or escalation", "probability")
    repeat_rate: float = param(0.25, "[0, 1]", "chance per week the client repeats the items still open", "probability")
    max_open_items: int = param(10, "[1, 1000]", "open feedback items the client keeps track of", "items")
    context_learning_shared: float = param(0.05, "[0, 1]", "weekly context growth at full sharing", "per week")
    context_learning_planning: float = param(0.03, "[0, 1]", "weekly context growth at full involvement in planning", "per week")
    context_learning_tenure: float = param(0.01, "[0, 1]", "weekly context growth from doing the work", "per week")
    context_decay: float = param(0.03, "[0, 1]", "weekly context decay when nothing is shared", "per week")
    planning_break_relief: float = param(0.5, "[0, 1]", "share of breaks avoided by full early planning", "share")
    process_learning: float = param(0.1, "[0, 1]", "share of the remaining client process improvement gained per vendor feedback item", "share")
    process_break_relief: float = param(0.4, "[0, 1]", "share of breaks avoided at full client process improvement", "share")
    trust_init: float = param(0.5, "[0, 1]", "client's trust in a new vendor, and under the belief trust model the prior its belief forgets toward", "index")
    trust_gain: float = param(0.02, "[0, 1]", "weekly share of the way to full trust on good work; adaptive trust model", "per week")
    trust_gain_flag: float = param(0.05, "[0, 1]", "share of the way to full trust per break flagged by the vendor; adaptive trust model", "per event")
    trust_gain_action: float = param(0.03, "[0, 1]", "share of the way to full trust per feedback item acted on; adaptive trust model", "per event")
    trust_gain_vendor_feedback: float = param(0.02, "[0, 1]", "share of the way to full trust per feedback from the vendor; adaptive trust model", "per event")
    trust_loss_gaming: float = param(0.35, "[0, 1]", "share of trust lost when an audit finds corner-cutting; adaptive trust model", "per event")
    trust_loss_missed_break: float = param(0.08, "[0, 1]", "share of trust lost per missed break; adaptive trust model", "per event")
    trust_loss_escalation: float = param(0.06, "[0, 1]", "share of trust lost per escalation; adaptive trust model", "per event")
    trust_loss_repeat: float = param(0.01, "[0, 1]", "share of trust lost per feedback item repeated; adaptive trust model", "per item")
    trust_model: str = param("belief", None, "how the client's trust moves: belief (the posterior chance that the vendor is a trustworthy type, updated in log-odds by the likelihood ratio of each week's evidence, the belief_ parameters), adaptive (gains and losses on each sign, the trust_gain and trust_loss shares) or fixed (trust stays at client.trust_init)")
    belief_caught_if_trustworthy: float = param(0.01, "(0, 1)", "chance, as the client reckons it, that an audit of a trustworthy vendor finds corner-cutting (a slip); belief trust model", "probability")
    belief_caught_if_untrustworthy: float = param(0.1, "(0, 1)", "chance, as the client reckons it, that an audit of an untrustworthy vendor finds corner-cutting (the share of its work where it cuts corners); belief trust model", "probability")
    belief_quality_if_trustworthy: float = param(0.85, "[0, 1]", "mean weekly quality score of a trustworthy vendor, as the client reckons it (the week is judged on the audited truth or the score); belief trust model", "quality points")
    belief_quality_if_untrustworthy: float = param(0.55, "[0, 1]", "mean weekly quality score of an untrustworthy vendor, as the client reckons it; belief trust model", "quality points")
    belief_quality_spread: float = param(1.0, "(0, 100]", "spread (sd) of one week's score around its type's mean, as the client reckons it: the larger, the less one week says; belief trust model", "quality points")
    belief_lr_flag: float = param(1.2, "(0, 1e6]", "likelihood ratio of a break flagged by the vendor: how many times likelier it comes from a trustworthy vendor than from an untrustworthy one; belief trust model", "likelihood ratio per event")
    belief_lr_action: float = param(1.12, "(0, 1e6]", "likelihood ratio of a feedback item the vendor acted on (trustworthy against untrustworthy); belief trust model", "likelihood ratio per event")
    belief_lr_vendor_feedback: float = param(1.08, "(0, 1e6]", "likelihood ratio of a feedback item from the vendor (trustworthy against untrustworthy); belief trust model", "likelihood ratio per event")
    belief_lr_missed_break: float = param(0.87, "(0, 1e6]", "likelihood ratio of a break the vendor missed and the client found (trustworthy against untrustworthy; below 1: evidence against); belief trust model", "likelihood ratio per event")
    belief_lr_escalation: float = param(0.9, "(0, 1e6]", "likelihood ratio of an escalation to the client's stakeholders (trustworthy against untrustworthy); belief trust model", "likelihood ratio per event")
    belief_lr_repeat: float = param(0.98, "(0, 1e6]", "likelihood ratio of a feedback item the client had to repeat (trustworthy against untrustworthy); belief trust model", "likelihood ratio per item")
    belief_forgetting: float = param(0.05, "[0, 1]", "weekly share of the belief's distance from the prior (in log-odds) that the client forgets, since a vendor's type can drift: old evidence fades and the belief stays responsive; belief trust model", "per week")
    review_period: int = param(13, "[0, 520]", "weeks between contract reviews (0: no reviews)", "weeks")
    review_reweight: bool = param(True, None, "reviews move pay toward audited quality and add audits when misalignment shows")
    review_reprice: bool = param(True, None, "reviews re-price when one side is losing money")
    review_warn: bool = param(True, None, "reviews warn a vendor with low trust or detected gaming")
    review_terminate: bool = param(True, None, "reviews end contracts with very low trust or detected gaming")
    reweight_step: float = param(0.3, "[0, 1]", "share of the remaining way toward audited-quality pay per re-weighting", "share")
    quality_bonus_rate: float = param(1.0, "[0, 100]", "pay per score point above target of a fully re-weighted contract", "MU per unit of demand")
    misalignment_tolerance: float = param(0.05, "[0, 1]", "mean gap between measured and audited true quality, over the period's audits, that a review tolerates", "quality points")
    audit_boost_step: float = param(1.5, "[1, 10]", "factor on the audit rate per review that finds misalignment", "x")
    relax_step: float = param(0.25, "[0, 1]", "share of the re-weighting (verification and quality tilt) undone by a review after a clean period", "share")
    audit_relax_step: float = param(1.5, "[1, 10]", "factor by which a review after a clean period lowers the audit boost (to no less than 1)", "x")
    reprice_step: float = param(0.05, "[0, 1]", "price change per re-pricing", "share")
    warn_below_trust: float = param(0.4, "[0, 1]", "trust below which a review warns the vendor", "index")
    terminate_below_trust: float = param(0.2, "[0, 1]", "trust below which a review ends the contract", "index")
    warning_memory: float = param(0.5, "[0, 1]", "share of a warning's weight still felt at the next review", "share")
    warning_weight: float = param(0.3, "[0, 1]", "rise in the chance of termination after a warning (if gaming is found again), as the vendor also sees it", "probability")
    switching_cost: float = param(1500.0, "[0, 1e9]", "one-off cost of switching vendor (search, transition, lost output)", "MU")
    contract_term: int = param(156, "[0, 5200]", "weeks a contract runs before the client renews it or ends it (0: open-ended)", "weeks")
    renewal_base: float = param(0.3, "[0, 1]", "chance the client renews a contract at term with no trust in the vendor", "probability")
    renewal_trust: float = param(0.65, "[0, 1]", "extra renewal chance at full trust (capped so the chance is at most 1)", "probability")
    vendor_selection: str = param("tender", None, "how a client that ends a contract picks the next vendor: tender (the best expected value given price and reputation) or random (uniform over the eligible vendors)")
    cool_off: int = param(52, "[0, 5200]", "weeks a vendor whose contract ended is kept out of that client's tenders (0: only the vendor just left is passed over, when another exists)", "weeks")
    tender_shortlist: int = param(20, "[1, 1000000]", "vendors a tender invites to bid, the first eligible ones from a randomly drawn place; a market of no more vendors invites every eligible one", "vendors")
    reputation_weight: float = param(4.0, "[0, 1e6]", "weight, in audits, of the client's prior about a vendor it knows nothing of (quality at client.quality_target, no corner-cutting)", "audits")
    inhouse_weeks: int = param(26, "[1, 5200]", "weeks the client keeps the work in-house when no vendor is eligible, before it tenders again", "weeks")
    inhouse_cost: float = param(3.0, "[0, 1000]", "client's cost of doing the work itself, per unit delivered", "MU per unit")
    inhouse_quality: float = param(0.7, "[0, 1000]", "true quality of the work done in-house (capped at market.quality_ceiling)", "quality points")


@dataclass
class ShockConfig:
    """Pressure shocks: demand spikes or capacity crises."""

    week: int = param(-1, "[-1, 100000]", "week a scheduled shock starts (-1: none)", "week")
    random_rate: float = param(0.0, "[0, 1]", "chance per week of a random market-wide shock", "probability")
    duration: int = param(8, "[1, 520]", "weeks a shock lasts", "weeks")
    demand_surge: float = param(0.5, "[0, 10]", "extra demand during a shock", "share")
    capacity_cut: float = param(0.0, "[0, 0.99]", "share of vendor capacity lost during a shock", "share")


@dataclass
class RecordConfig:
    """What is kept in memory: weekly market aggregates always; per-relationship rows as asked."""

    relationships: str = param("auto", None, "per-relationship weekly rows: all, none, or auto (all up to auto_limit relationships; none in sweeps)")
    every: int = param(1, "[1, 10000]", "keep per-relationship rows every k weeks", "weeks")
    timeseries_every: int = param(1, "[0, 10000]", "in sweeps, keep the weekly series every k weeks per job (0: summaries only)", "weeks")
    auto_limit: int = param(500, "[0, 100000000]", "largest market (relationships x replications) recorded per relationship under auto", "relationships")


@dataclass
class ReportConfig:
    """How reports show money (the model counts in money units, MU); it changes no result."""

    currency: str = param("MU", None, "currency the report shows money in, e.g. EUR (a label)")
    money_scale: float = param(1.0, "(0, 1e12]", "what one model money unit (MU) is worth in that currency", "currency per MU")


@dataclass
class Config:
    """A complete bposim run: scheme, market, vendor and client behaviour, shocks, recording."""

    scheme: Any = field(default_factory=lambda: {"name": "quality_weighted"})
    market: MarketConfig = field(default_factory=MarketConfig)
    vendor: VendorConfig = field(default_factory=VendorConfig)
    client: ClientConfig = field(default_factory=ClientConfig)
    shock: ShockConfig = field(default_factory=ShockConfig)
    record: RecordConfig = field(default_factory=RecordConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    label: str = param("", None, "a name for this configuration in tables and reports")
    seed: int = param(0, "[0, 18446744073709551615]", "root seed of every random stream")
    steps: int = param(156, "[1, 100000]", "weeks simulated", "weeks")
    replications: int = param(1, "[1, 1000000]", "independent replications (common random numbers across schemes)", "runs")


def register_configs() -> None:
    """Make the schema and the schemes known to Hydra; configs/config.yaml extends the schema as
    `bposim_schema`, and each scheme is an entry of the `scheme` group (see register_scheme_config)."""
    ConfigStore.instance().store(name="bposim_schema", node=Config)
    from .. import schemes  # noqa: F401  (importing the registry registers each scheme's entry)


def register_scheme_config(name: str, params: Any) -> None:
    """`scheme=NAME`: the group entry is the scheme's name, its pricing (a setting every scheme
    takes) and its Params' defaults, so no YAML file repeats them. Pricing lives in the entry, not
    in configs/config.yaml, so that a scenario can set it (config.yaml's own values come last)."""
    from ..schemes.base import DEFAULT_PRICING

    ConfigStore.instance().store(group="scheme", name=name,
                                 node={"name": name, **asdict(params), "pricing": DEFAULT_PRICING})
