{#- Ellison and Glaeser (1997) agglomeration index of one industry from plant-level data:
      gamma = [G - (1 - sum_k x_k^2) H] / [(1 - sum_k x_k^2)(1 - H)],
      G = sum_k (s_k - x_k)^2 (raw geographic concentration), s_k = region k's share of the
      industry's employment, x_k = region k's share of aggregate employment, H = sum_j z_j^2 the
      plant Herfindahl (z_j = plant j's share of the industry's employment).
    plants: rows (group columns, industry, region, plant value); regions: rows (group columns,
    region, region total) defining x_k. One row per group and industry: the group columns, industry,
    n_plants, n_regions_with_plants, g_raw, sum_x_squared, plant_herfindahl, gamma. Plants in a
    region without a total are not part of G (give every region a total). -#}
{% macro eg_gamma(plants, regions, group_by, industry, region, plant_value, region_value) -%}
    {{ return(adapter.dispatch('eg_gamma', 'agglo')(plants, regions, group_by, industry, region, plant_value, region_value)) }}
{%- endmacro %}

{% macro default__eg_gamma(plants, regions, group_by, industry, region, plant_value, region_value) -%}
select
    {{ agglo_cols_prefix(group_by, 'egg_g') }}
    egg_g.{{ industry }},
    egg_i.n_plants,
    egg_g.n_regions_with_plants,
    egg_g.g_raw,
    egg_g.sum_x_squared,
    egg_i.plant_herfindahl,
    (egg_g.g_raw - (1 - egg_g.sum_x_squared) * egg_i.plant_herfindahl)
        / nullif((1 - egg_g.sum_x_squared) * (1 - egg_i.plant_herfindahl), 0) as gamma
from (
    select
        {{ agglo_cols_prefix(group_by, 'egg_grid') }}
        egg_grid.{{ industry }},
        sum((egg_grid.s_k - egg_grid.x_k) * (egg_grid.s_k - egg_grid.x_k)) as g_raw,
        sum(egg_grid.x_k * egg_grid.x_k) as sum_x_squared,
        count(case when egg_grid.s_k > 0 then 1 end) as n_regions_with_plants
    from (
        select
            {{ agglo_cols_prefix(group_by, 'egg_ind') }}
            egg_ind.{{ industry }},
            egg_reg.{{ region }},
            egg_reg.x_k,
            coalesce(egg_ir.e_k, 0) / nullif(egg_ind.e_industry, 0) as s_k
        from (
            select {{ agglo_cols_prefix(group_by) }} {{ industry }},
                sum(cast({{ plant_value }} as double)) as e_industry
            from {{ plants }} where {{ plant_value }} is not null
            group by {{ agglo_cols_prefix(group_by) }} {{ industry }}
        ) as egg_ind
        inner join (
            select {{ agglo_cols_prefix(group_by) }} {{ region }},
                cast({{ region_value }} as double)
                    / nullif(sum({{ region_value }}) over ({{ agglo_partition(group_by) }}), 0) as x_k
            from {{ regions }} where {{ region_value }} is not null
        ) as egg_reg
            on {{ agglo_join_on(group_by, 'egg_ind', 'egg_reg') }}
        left join (
            select {{ agglo_cols_prefix(group_by) }} {{ industry }}, {{ region }},
                sum(cast({{ plant_value }} as double)) as e_k
            from {{ plants }} where {{ plant_value }} is not null
            group by {{ agglo_cols_prefix(group_by) }} {{ industry }}, {{ region }}
        ) as egg_ir
            on {{ agglo_join_on(group_by + [industry], 'egg_ind', 'egg_ir') }}
            and egg_reg.{{ region }} = egg_ir.{{ region }}
    ) as egg_grid
    group by {{ agglo_cols_prefix(group_by, 'egg_grid') }} egg_grid.{{ industry }}
) as egg_g
inner join (
    select {{ agglo_cols_prefix(group_by) }} {{ industry }},
        count(*) as n_plants,
        sum(cast({{ plant_value }} as double) * {{ plant_value }})
            / nullif(sum(cast({{ plant_value }} as double)) * sum({{ plant_value }}), 0)
            as plant_herfindahl
    from {{ plants }} where {{ plant_value }} is not null
    group by {{ agglo_cols_prefix(group_by) }} {{ industry }}
) as egg_i
    on {{ agglo_join_on(group_by + [industry], 'egg_g', 'egg_i') }}
{%- endmacro %}
