{#- Firm-year rows (optional raw file firms.csv) with the county resolved to its current code and the
    CIC division (first two digits of the industry code). Empty when the raw directory has no firms file.
    A table, not a view: three firm-level marts read it, and at national scale (millions of rows) a view
    would parse firms.csv once per reader. -#}
{{ config(materialized='table') }}
with

firms as (

    select * from {{ ref('stg_raw__firms') }}

),

aliases as (

    select alias_norm, code from {{ ref('division_aliases') }} where level = 'county'

),

final as (

    select
        firms.firm_id,
        firms.year,
        aliases.code as county_code,
        firms.county_code_raw,
        firms.industry_code,
        substr(firms.industry_code, 1, 2) as industry_division_code,
        firms.employment,
        firms.output_10k_yuan,
        firms.source
    from firms
    left join aliases
        on aliases.alias_norm = {{ normalise_alias('firms.county_code_raw') }}

)

select * from final
