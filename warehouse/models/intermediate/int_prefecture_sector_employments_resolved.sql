with

employments as (

    select * from {{ ref('stg_raw__prefecture_sector_employments') }}

),

aliases as (

    select alias_norm, code from {{ ref('division_aliases') }} where level = 'prefecture'

),

prefectures as (

    select prefecture_code, province_code from {{ ref('prefectures') }}

),

resolved as (

    select
        aliases.code as prefecture_code,
        prefectures.province_code,
        employments.prefecture_code_raw,
        employments.year,
        employments.sector_code,
        employments.employment_10k,
        employments.source
    from employments
    left join aliases
        on aliases.alias_norm = {{ normalise_alias('employments.prefecture_code_raw') }}
    left join prefectures
        on prefectures.prefecture_code = aliases.code

)

select * from resolved
