{#- Krugman dissimilarity index against the unweighted mean of the other units (Krugman 1991 in the
    form of Midelfart-Knarvik, Overman, Redding and Venables 2000; REAT krugman.spec2 / krugman.conc2):
      K_u = sum_k | v_uk - (1 / (n - 1)) sum_{u' != u} v_u'k |,  v_uk = value_uk / sum_k value_uk.
    units = regions and items = sectors: regional specialisation; units = industries and items =
    regions: industry concentration. Every unit is compared on the full grid of the group's items (an
    absent item counts as 0). With two units it is the two-region index, 0..2. One row per group and
    unit: the group columns, unit, krugman. -#}
{% macro krugman(relation, group_by, unit, item, value) -%}
    {{ return(adapter.dispatch('krugman', 'agglo')(relation, group_by, unit, item, value)) }}
{%- endmacro %}

{% macro default__krugman(relation, group_by, unit, item, value) -%}
select
    {{ agglo_cols_prefix(group_by) }}
    {{ unit }},
    sum(abs(share - others_mean)) as krugman
from (
    select
        {{ agglo_cols_prefix(group_by) }}
        {{ unit }},
        share,
        (sum(share) over ({{ agglo_partition(group_by + [item]) }}) - share)
            / nullif(count(*) over ({{ agglo_partition(group_by + [item]) }}) - 1, 0) as others_mean
    from (
        select
            {{ agglo_cols_prefix(group_by, 'kr_units') }}
            kr_units.{{ unit }},
            kr_items.{{ item }},
            coalesce(cast(kr_values.{{ value }} as double), 0)
                / nullif(sum(coalesce(kr_values.{{ value }}, 0))
                    over ({{ agglo_partition(group_by + [unit], 'kr_units') }}), 0) as share
        from (
            select distinct {{ agglo_cols_prefix(group_by) }} {{ unit }}
            from {{ relation }} where {{ value }} is not null
        ) as kr_units
        inner join (
            select distinct {{ agglo_cols_prefix(group_by) }} {{ item }}
            from {{ relation }} where {{ value }} is not null
        ) as kr_items
            on {{ agglo_join_on(group_by, 'kr_units', 'kr_items') }}
        left join (
            select * from {{ relation }} where {{ value }} is not null
        ) as kr_values
            on {{ agglo_join_on(group_by + [unit], 'kr_units', 'kr_values') }}
            and kr_items.{{ item }} = kr_values.{{ item }}
    ) as kr_grid
) as kr_shares
group by {{ agglo_cols_prefix(group_by) }} {{ unit }}
{%- endmacro %}
