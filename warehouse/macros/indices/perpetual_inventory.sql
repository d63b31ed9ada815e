{#- Capital stock by perpetual inventory (paper 000):
      K_t = (1 - delta) K_{t-1} + I_t,  K_0 = I_0 / (g + delta),
    with I real investment, t = 0 the unit's first year with investment, and g the average geometric
    growth rate of investment over the unit's contiguous series, g = (I_T / I_0)^(1/T) - 1 (Hall and
    Jones 1999 use the first ten years; we use the whole series). Closed form used here:
      K_t = (1 - delta)^t [K_0 + sum_{s=1..t} I_s (1 - delta)^(-s)].
    The series stops at the first gap (K null from a missing or non-positive investment on); years
    are assumed annual and consecutive. Returns unit, time, investment, investment_growth, capital. -#}
{% macro perpetual_inventory(relation, unit, time, investment, delta) -%}
    {{ return(adapter.dispatch('perpetual_inventory', 'agglo')(relation, unit, time, investment, delta)) }}
{%- endmacro %}

{% macro default__perpetual_inventory(relation, unit, time, investment, delta) -%}
{%- set keep = '(1 - cast(' ~ delta ~ ' as double))' -%}
select
    pim_all.{{ unit }},
    pim_all.{{ time }},
    pim_all.investment,
    pim_run.investment_growth,
    case when pim_run.{{ time }} is not null then
        power({{ keep }}, pim_run.tau)
        * (pim_run.investment_first / nullif(pim_run.investment_growth + ({{ delta }}), 0)
           + pim_run.discounted_cum)
    end as capital
from (
    select {{ unit }}, {{ time }}, cast({{ investment }} as double) as investment
    from {{ relation }}
) as pim_all
left join (
    select
        {{ unit }},
        {{ time }},
        tau,
        investment_first,
        case when investment_growth + ({{ delta }}) > 0 then investment_growth end as investment_growth,
        sum(case when tau > 0 then investment / power({{ keep }}, tau) else 0 end) over (
            partition by {{ unit }} order by {{ time }}
            rows between unbounded preceding and current row) as discounted_cum
    from (
        select
            *,
            first_value(investment) over (
                partition by {{ unit }} order by {{ time }}
                rows between unbounded preceding and unbounded following) as investment_first,
            exp((ln(last_value(investment) over (
                    partition by {{ unit }} order by {{ time }}
                    rows between unbounded preceding and unbounded following))
                 - ln(first_value(investment) over (
                    partition by {{ unit }} order by {{ time }}
                    rows between unbounded preceding and unbounded following)))
                / nullif(max(tau) over (partition by {{ unit }}), 0)) - 1 as investment_growth
        from (
            select
                pim_b.{{ unit }},
                pim_b.{{ time }},
                pim_b.{{ time }} - pim_s.first_time as tau,
                cast(pim_b.{{ investment }} as double) as investment,
                sum(case when pim_b.{{ investment }} is null or pim_b.{{ investment }} <= 0
                         then 1 else 0 end) over (
                    partition by pim_b.{{ unit }} order by pim_b.{{ time }}
                    rows between unbounded preceding and current row) as n_breaks
            from {{ relation }} as pim_b
            inner join (
                select {{ unit }}, min({{ time }}) as first_time
                from {{ relation }}
                where {{ investment }} > 0
                group by {{ unit }}
            ) as pim_s
                on pim_b.{{ unit }} = pim_s.{{ unit }}
            where pim_b.{{ time }} >= pim_s.first_time
        ) as pim_flagged
        where n_breaks = 0
    ) as pim_growth
) as pim_run
    on pim_all.{{ unit }} = pim_run.{{ unit }} and pim_all.{{ time }} = pim_run.{{ time }}
{%- endmacro %}
