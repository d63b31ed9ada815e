{#- County x year x CIC division rows with the county resolved to its current code (division_aliases
    maps names and 2011-vintage codes). -#}
with

industries as (

    select * from {{ ref('stg_raw__county_industries') }}

),

aliases as (

    select alias_norm, code from {{ ref('division_aliases') }} where level = 'county'

),

resolved as (

    select
        aliases.code as county_code,
        industries.county_code_raw,
        industries.year,
        industries.industry_code,
        industries.enterprises,
        industries.output_value_10k_yuan,
        industries.value_added_10k_yuan,
        industries.employment_persons,
        industries.total_assets_10k_yuan,
        industries.source
    from industries
    left join aliases
        on aliases.alias_norm = {{ normalise_alias('industries.county_code_raw') }}

)

select * from resolved
