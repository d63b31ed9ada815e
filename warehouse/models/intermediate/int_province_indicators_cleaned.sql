{#- province indicator values as given, with the province resolved through division_aliases
    (county codes of the 2011 vintage map to current codes there) and the value converted into the
    catalog unit of its indicator (unit_conversions). The tests on this model reject unknown codes,
    unknown indicators and unit pairs without an exact conversion factor. -#}
with

indicators as (

    select * from {{ ref('stg_raw__province_indicators') }}

),

aliases as (

    select alias_norm, code from {{ ref('division_aliases') }} where level = 'province'

),

catalog as (

    select indicator_code, lower(unit) as unit
    from {{ ref('indicator_catalog') }}
    where level = 'province'

),

conversions as (

    select from_unit, to_unit, factor from {{ ref('unit_conversions') }}

),

resolved as (

    select
        ----------  ids
        aliases.code as province_code,
        indicators.province_code_raw,
        indicators.year,
        indicators.indicator_code,

        ----------  units: a missing unit means the catalog unit
        indicators.unit as unit_as_given,
        catalog.unit,
        case
            when indicators.unit is null or indicators.unit = catalog.unit then 1.0
            else conversions.factor
        end as unit_factor,

        ----------  numerics
        indicators.value as value_as_given,

        ----------  provenance
        indicators.source

    from indicators
    left join aliases
        on aliases.alias_norm = {{ normalise_alias('indicators.province_code_raw') }}
    left join catalog
        on catalog.indicator_code = indicators.indicator_code
    left join conversions
        on conversions.from_unit = indicators.unit
        and conversions.to_unit = catalog.unit

),

final as (

    select
        *,
        value_as_given * unit_factor as value
    from resolved

)

select * from final
