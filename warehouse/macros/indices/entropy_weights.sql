{#- Entropy weights (paper 001 eq. 13-16) of normalised indicators y >= 0 in long format:
      p = y / sum y, e = -(1 / ln N) sum p ln p (0 ln 0 = 0, N = the indicator's non-null rows),
      d = 1 - e, overall weight w = d / sum d over all indicators,
      within-dimension weight d / sum d over the indicators of the same dimension.
    relation: rows (partition columns, indicator, dimension, y); partition_by: [] for pooled weights,
    ['year'] for per-year weights. One row per partition and indicator: the partition columns,
    indicator, dimension, n_obs, entropy, divergence, overall_weight, within_dimension_weight. -#}
{% macro entropy_weights(relation, indicator, dimension, y, partition_by=[]) -%}
    {{ return(adapter.dispatch('entropy_weights', 'agglo')(relation, indicator, dimension, y, partition_by)) }}
{%- endmacro %}

{% macro default__entropy_weights(relation, indicator, dimension, y, partition_by=[]) -%}
select
    {{ agglo_cols_prefix(partition_by) }}
    {{ indicator }},
    {{ dimension }},
    n_obs,
    entropy,
    1 - entropy as divergence,
    (1 - entropy) / nullif(sum(1 - entropy) over ({{ agglo_partition(partition_by) }}), 0)
        as overall_weight,
    (1 - entropy) / nullif(sum(1 - entropy) over ({{ agglo_partition(partition_by + [dimension]) }}), 0)
        as within_dimension_weight
from (
    select
        {{ agglo_cols_prefix(partition_by) }}
        {{ indicator }},
        {{ dimension }},
        count(*) as n_obs,
        (0 - sum(case when p > 0 then p * ln(p) else 0 end)) / nullif(ln(count(*)), 0) as entropy
    from (
        select
            {{ agglo_cols_prefix(partition_by) }}
            {{ indicator }},
            {{ dimension }},
            cast({{ y }} as double)
                / nullif(sum({{ y }}) over ({{ agglo_partition(partition_by + [indicator]) }}), 0) as p
        from {{ relation }}
        where {{ y }} is not null
    ) as ew_p
    group by {{ agglo_cols_prefix(partition_by) }} {{ indicator }}, {{ dimension }}
) as ew_entropy
{%- endmacro %}

{#- Composite score 100 * sum w * y (paper 001 eq. 17 on a 0-100 scale), an aggregate over the
    indicator rows of one observation; null unless all `n_expected` indicators are present. -#}
{% macro entropy_score(weight, y, n_expected) -%}
    {{ return(adapter.dispatch('entropy_score', 'agglo')(weight, y, n_expected)) }}
{%- endmacro %}

{% macro default__entropy_score(weight, y, n_expected) -%}
    case when count({{ y }}) = {{ n_expected }} then 100 * sum(({{ weight }}) * ({{ y }})) end
{%- endmacro %}
