{#- Ellison and Glaeser (1997) agglomeration index of one industry from plant-level data:
      gamma = [G - (1 - sum_k x_k^2) H] / [(1 - sum_k x_k^2)(1 - H)],
      G = sum_k (s_k - x_k)^2 (raw geographic concentration), s_k = region k's share of the
      industry's employment, x_k = region k's share of aggregate employment, H = sum_j z_j^2 the
      plant Herfindahl (z_j = plant j's share of the industry's employment).
    plants: rows (group columns, industry, region, plant value); regions: rows (group columns,
    region, region total) defining x_k. One row per group and industry: the group columns, industry,
    n_plants, n_regions_with_plants, g_raw, sum_x_squared, plant_herfindahl, gamma. Plants in a
    region without a total are not part of G (give every region a total). -#}
{#- eg_gamma_cells: the same from (group, industry, region) cells already summed over the plants:
    n (plants), e (sum of the plant values) and e2 (sum of their squares), so that a caller with
    several readers of the plant rows aggregates them once: H = sum_j z_j^2 = sum_cells e2 / (sum e)^2. -#}
{% macro eg_gamma(plants, regions, group_by, industry, region, plant_value, region_value) -%}
    {{ return(adapter.dispatch('eg_gamma', 'agglo')(plants, regions, group_by, industry, region, plant_value, region_value)) }}
{%- endmacro %}

{#- One pass over the plant rows into (group, industry, region) cells, then no industry x region grid:
    G = sum_k (s_k - x_k)^2 = sum_k x_k^2 + sum_{k: e_k > 0} (s_k^2 - 2 s_k x_k), since s_k = 0 elsewhere;
    sum_k x_k^2 is one number per group. At national scale (about 600 classes x 2,850 counties x 12
    years) the grid would have about 20 million rows; the occupied cells are a fraction of that. -#}
{% macro default__eg_gamma(plants, regions, group_by, industry, region, plant_value, region_value) -%}
{{ eg_gamma_cells(
    "(select " ~ agglo_cols_prefix(group_by) ~ industry ~ ", " ~ region ~ ", count(*) as egg_n, "
    ~ "sum(cast(" ~ plant_value ~ " as double)) as egg_e, "
    ~ "sum(cast(" ~ plant_value ~ " as double) * " ~ plant_value ~ ") as egg_e2 "
    ~ "from " ~ plants ~ " where " ~ plant_value ~ " is not null "
    ~ "group by " ~ agglo_cols_prefix(group_by) ~ industry ~ ", " ~ region ~ ")",
    regions, group_by, industry, region, 'egg_n', 'egg_e', 'egg_e2', region_value) }}
{%- endmacro %}

{% macro eg_gamma_cells(cells, regions, group_by, industry, region, n, e, e2, region_value) -%}
    {{ return(adapter.dispatch('eg_gamma_cells', 'agglo')(cells, regions, group_by, industry, region, n, e, e2, region_value)) }}
{%- endmacro %}

{#- Shares as ratios to totals joined from grouped sums (not window sums): the same numbers, and at
    national scale (1.7 million firm cells) about four times faster in DuckDB. -#}
{% macro default__eg_gamma_cells(cells, regions, group_by, industry, region, n, e, e2, region_value) -%}
{%- set industry_totals -%}
    select {{ agglo_cols_prefix(group_by) }} {{ industry }},
        cast(sum({{ n }}) as {{ dbt.type_bigint() }}) as n_plants,
        sum({{ e }}) as e_industry,
        sum({{ e2 }}) / nullif(sum({{ e }}) * sum({{ e }}), 0) as plant_herfindahl
    from {{ cells }} as egg_cells
    group by {{ agglo_cols_prefix(group_by) }} {{ industry }}
{%- endset -%}
{%- set region_shares -%}
    select {{ agglo_cols_prefix(group_by, 'egg_r') }} egg_r.{{ region }},
        cast(egg_r.{{ region_value }} as double) / nullif(egg_rt.region_total, 0) as x_k
    from {{ regions }} as egg_r
    inner join (
        select {{ agglo_cols_prefix(group_by) }} sum({{ region_value }}) as region_total
        from {{ regions }} as egg_rt0
        where {{ region_value }} is not null
        {{ agglo_group_by(group_by) }}
    ) as egg_rt
        on {{ agglo_join_on(group_by, 'egg_r', 'egg_rt') }}
    where egg_r.{{ region_value }} is not null
{%- endset -%}
select
    {{ agglo_cols_prefix(group_by, 'egg_i') }}
    egg_i.{{ industry }},
    egg_i.n_plants,
    coalesce(egg_c.n_regions_with_plants, 0) as n_regions_with_plants,
    case when egg_i.e_industry <> 0 then egg_x.sum_x_squared + coalesce(egg_c.g_cells, 0) end as g_raw,
    egg_x.sum_x_squared,
    egg_i.plant_herfindahl,
    (case when egg_i.e_industry <> 0 then egg_x.sum_x_squared + coalesce(egg_c.g_cells, 0) end
        - (1 - egg_x.sum_x_squared) * egg_i.plant_herfindahl)
        / nullif((1 - egg_x.sum_x_squared) * (1 - egg_i.plant_herfindahl), 0) as gamma
from ({{ industry_totals }}) as egg_i
inner join (
    select {{ agglo_cols_prefix(group_by) }} sum(x_k * x_k) as sum_x_squared
    from ({{ region_shares }}) as egg_reg_x
    {{ agglo_group_by(group_by) }}
) as egg_x
    on {{ agglo_join_on(group_by, 'egg_i', 'egg_x') }}
left join (
    select
        {{ agglo_cols_prefix(group_by, 'egg_ir') }}
        egg_ir.{{ industry }},
        sum(egg_ir.s_k * egg_ir.s_k - 2 * egg_ir.s_k * egg_reg.x_k) as g_cells,
        count(case when egg_ir.s_k > 0 then 1 end) as n_regions_with_plants
    from (
        select {{ agglo_cols_prefix(group_by, 'egg_cells') }} egg_cells.{{ industry }}, egg_cells.{{ region }},
            cast(egg_cells.{{ e }} as double) / nullif(egg_it.e_industry, 0) as s_k
        from {{ cells }} as egg_cells
        inner join ({{ industry_totals }}) as egg_it
            on {{ agglo_join_on(group_by + [industry], 'egg_cells', 'egg_it') }}
    ) as egg_ir
    inner join ({{ region_shares }}) as egg_reg
        on {{ agglo_join_on(group_by, 'egg_ir', 'egg_reg') }}
        and egg_ir.{{ region }} = egg_reg.{{ region }}
    group by {{ agglo_cols_prefix(group_by, 'egg_ir') }} egg_ir.{{ industry }}
) as egg_c
    on {{ agglo_join_on(group_by + [industry], 'egg_i', 'egg_c') }}
{%- endmacro %}
