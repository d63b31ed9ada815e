{#- county indicator values as given, with the county resolved through division_aliases
    (county codes of the 2011 vintage map to current codes there) and the value converted into the
    catalog unit of its indicator (unit_conversions; macro indicator_values_resolved). The tests on this
    model reject unknown codes, unknown indicators and unit pairs without an exact conversion factor. -#}
with

indicators as (

    select * from {{ ref('stg_raw__county_indicators') }}

),

aliases as (

    select alias_norm, code from {{ ref('division_aliases') }} where level = 'county'

),

catalog as (

    select indicator_code, lower(unit) as unit
    from {{ ref('indicator_catalog') }}
    where level = 'county'

),

conversions as (

    select from_unit, to_unit, factor from {{ ref('unit_conversions') }}

),

final as (

    {{ indicator_values_resolved('indicators', 'aliases', 'catalog', 'conversions', region_key='county_code') }}

)

select * from final
