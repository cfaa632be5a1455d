"""The vendor's weekly choice: effort on volume and quality, and corner-cutting (gaming).

The target is the best response of a vendor maximising its certainty equivalent
    pay(t, g) - t'Kt/2 + k't - (r/2) Var(pay) - gaming cost + saving - aversion
    - P(audit) * g * (sanction + P(termination | caught) * continuation value),
with pay linear in the measures at the contract's marginal rates (bposim.schemes), efforts in
a box (no more than the capacity allotted, no quality above market.quality_ceiling), and gaming in [0, 1]. Bounded
rationality moves the actual choice part of the way toward the target each week, with noise.
With adjustment_speed = 1 and no noise the choice is the textbook best response.
The value of the honest plan (its margin, the continuation value, participation's fixed part)
counts the zero floor of pay (bposim.dynamics.pay_floor); the efforts follow the linear rates.
"""

from __future__ import annotations

from .contract import client_value, client_value_slopes, contract_pay, contract_rates, contract_starts, relationship_weeks, weekly_discount
from .pay_floor import floored_pay, pay_for

_BIG = 1e6  # stands in for an unbounded box edge, so no inf * 0 appears


def box_best_response(k11, k12, k22, m1, m2, u1, u2, ops):
    """argmax over 0 <= t1 <= u1, 0 <= t2 <= u2 of m't - t'Kt/2, for positive definite K.

    Interior solution t = inverse(K) m when it lies in the box; otherwise the best of the four
    faces, each a one-dimensional concave problem solved in closed form.
    """
    u1 = ops.minimum(u1, _BIG)
    u2 = ops.minimum(u2, _BIG)
    det = k11 * k22 - k12 * k12
    t1 = (k22 * m1 - k12 * m2) / det
    t2 = (k11 * m2 - k12 * m1) / det
    inside = (t1 >= 0.0) & (t1 <= u1) & (t2 >= 0.0) & (t2 <= u2)
    if ops.all(inside):
        return t1, t2
    # The usual corner: volume effort capped by capacity. The face optimum t1 = u1 is the box
    # optimum when the KKT condition holds there (the problem is convex, so it suffices).
    cap2 = ops.clip((m2 - k12 * u1) / k22, 0.0, u2)
    capped = (t1 > u1) & (m1 - k11 * u1 - k12 * cap2 >= 0.0)
    if ops.all(inside | capped):
        return ops.where(inside, t1, u1 + 0.0 * m1), ops.where(inside, t2, cap2)

    def value(a, b):
        return m1 * a + m2 * b - 0.5 * (k11 * a * a + 2.0 * k12 * a * b + k22 * b * b)

    faces = (
        (0.0 * m1, ops.clip(m2 / k22, 0.0, u2)),
        (u1 + 0.0 * m1, ops.clip((m2 - k12 * u1) / k22, 0.0, u2)),
        (ops.clip(m1 / k11, 0.0, u1), 0.0 * m2),
        (ops.clip((m1 - k12 * u2) / k11, 0.0, u1), u2 + 0.0 * m2),
    )
    best1, best2 = faces[0]
    best_v = value(best1, best2)
    for a, b in faces[1:]:
        v = value(a, b)
        better = v > best_v
        best1 = ops.where(better, a, best1)
        best2 = ops.where(better, b, best2)
        best_v = ops.where(better, v, best_v)
    return ops.where(inside, t1, best1), ops.where(inside, t2, best2)


def effort_cost(v, t_vol, t_qual):
    """Cost of efforts (volume, quality) per unit of demand: t'Kt/2 with substitute tasks."""
    return 0.5 * (v.cost_volume * t_vol * t_vol + 2.0 * v.cost_substitution * t_vol * t_qual
                  + v.cost_quality * t_qual * t_qual)


def quality_productivity(st, p):
    """True quality per unit of quality effort: the vendor's ability (its type, 1 when vendors are
    all alike) times what context knowledge and acted-on feedback add."""
    v = p.vendor
    return st.vendor_ability * (1.0 + v.context_quality * st.context + v.improvement_quality * st.improvement)


def best_response(st, p, ops, signing=None):
    """This week's target (volume effort, quality effort, gaming), the honest margin behind it
    and the vendor's risk premium (per unit of demand).

    signing: where true, participation pricing first sets the fixed part of pay (decide)."""
    v, c, m = p.vendor, p.client, p.market
    d = st.demand / st.base
    kappa = quality_productivity(st, p)
    b_y, b_s, b_o = contract_rates(st, p, ops)
    delta = weekly_discount(v)
    lag = delta ** m.outcome_lag
    # Marginal pay of effort, through each measure it moves (chain rule), plus unpaid motives.
    # The outcome's slopes in delivered volume and quality, at the point the vendor expects.
    o_vol, o_qual = client_value_slopes(c, st.volume_expected, st.score_expected)
    unpaid = (v.intrinsic_volume,
              v.intrinsic_quality + v.engagement_motivation * st.engagement
              + v.transparency_motivation * c.priority_transparency)
    m_vol = (b_y + b_o * lag * o_vol) * d + unpaid[0]
    m_qual = (b_s + b_o * lag * o_qual) * kappa + unpaid[1]
    cap_volume = v.max_throughput * st.attention
    cap_quality = ops.maximum(m.quality_ceiling - v.base_quality, 0.0) / kappa
    t_vol, t_qual = box_best_response(v.cost_volume, v.cost_substitution, v.cost_quality,
                                      m_vol, m_qual, cap_volume, cap_quality, ops)
    for level in p.scheme.volume_steps():
        t_vol, t_qual = meet_volume_step(st, p, level, d, kappa, unpaid, m_qual, t_vol, t_qual,
                                         cap_volume, cap_quality, ops)

    # Value of the relationship going on: honest certainty-equivalent margin, discounted over
    # the weeks the relationship can be expected to last.
    y_h = d * t_vol
    q_h = ops.minimum(v.base_quality + kappa * t_qual, m.quality_ceiling)
    o_h = client_value(c, y_h, q_h, d, 1.0)
    pay_h = contract_pay(st, p, y_h, q_h, o_h, ops)
    variance = pay_variance(st, p, b_y, b_s, b_o, o_qual)
    risk = risk_per_unit_of_pay(st, v)
    cost_h = effort_cost(v, t_vol, t_qual)
    operating = v.operating_cost * st.vendor_cost_factor
    if signing is not None:
        price_participation(st, p, pay_h, variance, risk, cost_h, operating, signing, ops)
        pay_h = contract_pay(st, p, y_h, q_h, o_h, ops)
    # Pay is floored at zero (payments.settle): the vendor values the floored pay, not the linear
    # one (far from the floor they are the same: pay_h and (r/2) Var).
    expected_pay, risk_premium, _ = floored_pay(pay_h, variance, risk, ops)
    honest_margin = expected_pay - cost_h - operating - risk_premium
    continuation = ops.maximum(honest_margin - v.outside_option, 0.0) * relationship_weeks(st, c, delta, ops)

    # Corner-cutting: its marginal gain against its marginal expected cost (both per unit of g).
    # Inflation shows in the score only in weeks without an audit (audited weeks pay on the truth).
    score_slope = (1.0 - st.audit_belief) * (1.0 - st.verification) * v.metric_gameability - v.gaming_quality_loss
    gain = (b_y * d * v.gaming_throughput + b_s * score_slope
            - b_o * lag * o_qual * v.gaming_quality_loss
            + v.gaming_saving)
    # A client can end a contract for cause at a review, or at the end of its term.
    can_end = (c.review_period > 0) or (c.contract_term > 0)
    p_term = ops.minimum(c.termination_on_detection + st.warning_risk, 1.0) * c.review_terminate * can_end
    expected_penalty = st.audit_belief * (c.gaming_sanction + p_term * continuation)
    # The vendor's integrity (its type, 0 when vendors are all alike) shifts its aversion.
    aversion = (ops.maximum(v.gaming_aversion + st.vendor_integrity, 0.0)
                + v.engagement_aversion * st.engagement) * (1.0 - st.deviance)
    g = ops.clip((gain - expected_penalty - aversion) / ops.maximum(v.gaming_cost, 1e-12), 0.0, 1.0)
    return t_vol, t_qual, g, honest_margin, risk_premium


def meet_volume_step(st, p, level, d, kappa, unpaid, m_qual, t_vol, t_qual, cap_volume, cap_quality, ops):
    """Where pay steps up once the volume count reaches `level` (an SLA floor), the better of the
    smooth best response and the least effort that reaches the step: a local marginal rate
    cannot see a step, so the vendor compares the two plans' pay, plus what its unpaid motives
    (`unpaid`: per unit of volume and of quality effort) make of them, less effort cost. The
    pay is the contract's whole pay at each plan, so the marginal pay in m_qual is not added
    again (a re-weighted contract's quality bonus would count twice).
    """
    v, c = p.vendor, p.client
    reach = ops.minimum(level / ops.maximum(d, 1e-9), cap_volume)
    reach_q = ops.clip((m_qual - v.cost_substitution * reach) / v.cost_quality, 0.0, cap_quality)

    def value(a, b):
        y = d * a
        q = v.base_quality + kappa * b
        pay = contract_pay(st, p, y, q, client_value(c, y, q, d, 1.0), ops)
        return pay + unpaid[0] * a + unpaid[1] * b - effort_cost(v, a, b)

    better = (reach > t_vol) & (value(reach, reach_q) > value(t_vol, t_qual))
    return ops.where(better, reach, t_vol), ops.where(better, reach_q, t_qual)


def pay_variance(st, p, b_y, b_s, b_o, o_qual):
    """Variance of this week's pay per unit of baseline demand, linearised at the contract's rates.

    Each noise enters once per measure it moves, with the covariances the production equations
    give them: the volume count's and the score's measurement noises share a draw (correlation
    market.noise_correlation); true quality's noise moves the unverified share of the score and,
    through the client's value (o_qual: the outcome's slope in true quality), the outcome. With
    market.outcome_lag = 0 the outcome paid this week carries this week's true-quality draw, the
    one in the score: then Cov(score, outcome) = (1 - verification) o_qual true_quality_noise^2.
    """
    m = p.market
    sd_y = m.volume_noise
    sd_s = (1.0 - st.verification) * m.quality_noise
    sd_q = (1.0 - st.verification) * m.true_quality_noise
    variance = ((b_y * sd_y) ** 2 + (b_s * sd_s) ** 2 + (b_s * sd_q) ** 2
                + b_o ** 2 * (m.outcome_noise ** 2 + (o_qual * m.true_quality_noise) ** 2)
                + 2.0 * m.noise_correlation * b_y * sd_y * b_s * sd_s)
    if m.outcome_lag == 0:
        variance = variance + 2.0 * b_s * sd_q * b_o * o_qual * m.true_quality_noise
    return variance


def risk_per_unit_of_pay(st, v):
    """CARA risk aversion on pay per unit of baseline demand. With vendor.risk_in_money r is CARA
    in money (1/MU) on the week's pay in MU, base * w, so on w it is r * base and the premium per
    unit of demand grows with the contract's size; otherwise (the earlier model) r applies to w."""
    return v.risk_aversion * st.base if v.risk_in_money else v.risk_aversion


def pay_risk_premium(st, p, b_y, b_s, b_o, o_qual):
    """The risk premium of the week's pay per unit of baseline demand, before the zero floor:
    (R/2) Var(pay), R = risk_per_unit_of_pay (the premium far from the floor; best_response
    charges the floored one, bposim.dynamics.pay_floor)."""
    return 0.5 * risk_per_unit_of_pay(st, p.vendor) * pay_variance(st, p, b_y, b_s, b_o, o_qual)


def price_participation(st, p, pay_h, variance, risk, cost_h, operating, signing, ops):
    """Participation pricing at signing: set the fixed part so that the honest plan's certainty-
    equivalent margin, floored pay and all, is the vendor's outside option plus the relational
    premium (cost_h, operating: its effort and operating cost, per unit of demand)."""
    wanted = p.vendor.outside_option + p.scheme.params.premium
    priced, unfloored = pay_for(wanted + cost_h + operating, variance, risk, ops)
    # Where the priced pay lies beyond the floor's reach this is the linear rule, written as it
    # always was so that its numbers stay the same to the last bit.
    linear = wanted - (pay_h - cost_h - operating - 0.5 * risk * variance)
    shortfall = ops.where(unfloored, linear, priced - pay_h)
    st.fixed_pay = ops.where(signing, st.fixed_pay + shortfall / st.price_factor, st.fixed_pay)


def decide(st, p, eps, ops):
    """Move efforts and gaming toward the best response; eps: three standard normals."""
    v = p.vendor
    signing = None
    if p.scheme.pricing == "participation":
        # At signing and at each renewal the fixed part is set so that the honest plan's
        # certainty-equivalent margin is the vendor's outside option plus the relational premium
        # (participation with a Klein-Leffler quasi-rent: at premium 0 losing the contract costs
        # the vendor nothing, and only the clawback and its aversion would deter gaming).
        starts = contract_starts(st, p.client, ops)
        if not ops.all(ops.not_(starts)):
            signing = starts
    t_vol, t_qual, g, honest_margin, premium = best_response(st, p, ops, signing)
    st.risk_premium = st.base * premium
    st.period_risk = st.period_risk + st.risk_premium
    # A new vendor team sets up for the contract at once; afterwards habits adjust gradually.
    speed = ops.where(st.tenure < 1.0, 1.0, v.adjustment_speed)
    noise = v.decision_noise
    st.effort_volume = ops.maximum(st.effort_volume + speed * (t_vol - st.effort_volume) + noise * eps[0], 0.0)
    st.effort_quality = ops.maximum(st.effort_quality + speed * (t_qual - st.effort_quality) + noise * eps[1], 0.0)
    st.gaming = ops.clip(st.gaming + speed * (g - st.gaming) + noise * eps[2], 0.0, 1.0)
