{#- Gini coefficients of a distribution against a reference distribution, one row per group.

    gini_of_ratios (Farhauer and Kroell 2014, the definition REAT's gini.conc / gini.spec use):
      v_k = s_k / x_k with s and x the shares of `subject` and `reference` within the group,
      G = 2 sum_i i v_(i) / (n sum v) - (n + 1) / n  (v sorted ascending, i = 1..n).
      Industry's employment by region against total employment by region: Gini of concentration.
      Region's employment by sector against the nation's: Gini of regional specialisation.

    locational_gini (Krugman 1991; Amiti 1999): the Lorenz-curve Gini
      G = 1 - sum_k (X_k - X_{k-1}) (S_k + S_{k-1}), units sorted by s_k / x_k ascending,
      S and X the cumulative shares.

    Rows with a null subject or reference are left out; returns the group columns, n and the index. -#}
{% macro gini_of_ratios(relation, group_by, subject, reference) -%}
    {{ return(adapter.dispatch('gini_of_ratios', 'agglo')(relation, group_by, subject, reference)) }}
{%- endmacro %}

{% macro default__gini_of_ratios(relation, group_by, subject, reference) -%}
select
    {{ agglo_cols_prefix(group_by) }}
    count(*) as n_units,
    2.0 * sum(rank_asc * ratio) / nullif(count(*) * sum(ratio), 0)
        - (count(*) + 1.0) / count(*) as gini
from (
    select
        {{ agglo_cols_prefix(group_by) }}
        ratio,
        row_number() over ({{ agglo_partition(group_by) }} order by ratio) as rank_asc
    from (
        select
            {{ agglo_cols_prefix(group_by) }}
            (cast({{ subject }} as double)
                / nullif(sum({{ subject }}) over ({{ agglo_partition(group_by) }}), 0))
            / nullif(cast({{ reference }} as double)
                / nullif(sum({{ reference }}) over ({{ agglo_partition(group_by) }}), 0), 0) as ratio
        from {{ relation }}
        where {{ subject }} is not null and {{ reference }} is not null
    ) as gini_shares
) as gini_ranked
{{ agglo_group_by(group_by) }}
{%- endmacro %}

{% macro locational_gini(relation, group_by, subject, reference) -%}
    {{ return(adapter.dispatch('locational_gini', 'agglo')(relation, group_by, subject, reference)) }}
{%- endmacro %}

{% macro default__locational_gini(relation, group_by, subject, reference) -%}
select
    {{ agglo_cols_prefix(group_by) }}
    count(*) as n_units,
    1 - sum(x_share * (2 * cum_s - s_share)) as locational_gini
from (
    select
        {{ agglo_cols_prefix(group_by) }}
        s_share,
        x_share,
        sum(s_share) over (
            {{ agglo_partition(group_by) }} order by s_share / nullif(x_share, 0)
            rows between unbounded preceding and current row) as cum_s
    from (
        select
            {{ agglo_cols_prefix(group_by) }}
            cast({{ subject }} as double)
                / nullif(sum({{ subject }}) over ({{ agglo_partition(group_by) }}), 0) as s_share,
            cast({{ reference }} as double)
                / nullif(sum({{ reference }}) over ({{ agglo_partition(group_by) }}), 0) as x_share
        from {{ relation }}
        where {{ subject }} is not null and {{ reference }} is not null
    ) as lorenz_shares
) as lorenz_cumulative
{{ agglo_group_by(group_by) }}
{%- endmacro %}
