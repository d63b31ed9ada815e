with

employments as (

    select * from {{ ref('stg_raw__province_sector_employments') }}

),

aliases as (

    select alias_norm, code from {{ ref('division_aliases') }} where level = 'province'

),

resolved as (

    select
        aliases.code as province_code,
        employments.province_code_raw,
        employments.year,
        employments.sector_code,
        employments.employment_10k,
        employments.source
    from employments
    left join aliases
        on aliases.alias_norm = {{ normalise_alias('employments.province_code_raw') }}

)

select * from resolved
