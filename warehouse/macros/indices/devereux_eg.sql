{#- Ellison-Glaeser coagglomeration in the simplified form of Devereux, Griffith and Simpson (2004)
    (paper 001 eq. 21-22):
      EG = [H_ij - (H_i w_i^2 + H_j w_j^2)] / [1 - (w_i^2 + w_j^2)],
      H = sum_k S_k^2 - 1/n over the n sub-regions k, S_k = the sub-region's share of the sector's
      (or of the two sectors' combined) employment, w_i = E_i / (E_i + E_j).

    devereux_eg_formula(h_ij, h_i, h_j, w_i, w_j): the expression.
    devereux_eg(relation, group_by, value_i, value_j): one row per group from rows = sub-regions
      carrying the employment of sector i and of sector j; sub-regions where either is null are left
      out. Returns the group columns, n_subregions, w_i, w_j, h_i, h_j, h_ij, eg. -#}
{% macro devereux_eg_formula(h_ij, h_i, h_j, w_i, w_j) -%}
    {{ return(adapter.dispatch('devereux_eg_formula', 'agglo')(h_ij, h_i, h_j, w_i, w_j)) }}
{%- endmacro %}

{% macro default__devereux_eg_formula(h_ij, h_i, h_j, w_i, w_j) -%}
    (({{ h_ij }}) - (({{ h_i }}) * ({{ w_i }}) * ({{ w_i }}) + ({{ h_j }}) * ({{ w_j }}) * ({{ w_j }})))
        / nullif(1 - (({{ w_i }}) * ({{ w_i }}) + ({{ w_j }}) * ({{ w_j }})), 0)
{%- endmacro %}

{% macro devereux_eg(relation, group_by, value_i, value_j) -%}
    {{ return(adapter.dispatch('devereux_eg', 'agglo')(relation, group_by, value_i, value_j)) }}
{%- endmacro %}

{% macro default__devereux_eg(relation, group_by, value_i, value_j) -%}
select
    {{ agglo_cols_prefix(group_by) }}
    n_subregions,
    w_i,
    w_j,
    h_i,
    h_j,
    h_ij,
    {{ agglo.devereux_eg_formula('h_ij', 'h_i', 'h_j', 'w_i', 'w_j') }} as eg
from (
    select
        {{ agglo_cols_prefix(group_by) }}
        count(*) as n_subregions,
        sum(e_i) / nullif(sum(e_i) + sum(e_j), 0) as w_i,
        sum(e_j) / nullif(sum(e_i) + sum(e_j), 0) as w_j,
        sum(e_i * e_i) / nullif(sum(e_i) * sum(e_i), 0) - 1.0 / count(*) as h_i,
        sum(e_j * e_j) / nullif(sum(e_j) * sum(e_j), 0) - 1.0 / count(*) as h_j,
        sum((e_i + e_j) * (e_i + e_j)) / nullif((sum(e_i) + sum(e_j)) * (sum(e_i) + sum(e_j)), 0)
            - 1.0 / count(*) as h_ij
    from (
        select
            {{ agglo_cols_prefix(group_by) }}
            cast({{ value_i }} as double) as e_i,
            cast({{ value_j }} as double) as e_j
        from {{ relation }}
        where {{ value_i }} is not null and {{ value_j }} is not null
    ) as eg_subregions
    {{ agglo_group_by(group_by) }}
) as eg_moments
{%- endmacro %}
