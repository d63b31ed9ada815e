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

exact as (

    {#- most rows carry a plain code: match it as written (lower-cased) and normalise (a regular
        expression) only the rows that did not match, which gives the same code (an alias_norm has no
        whitespace, so a raw value equal to one is already normalised) -#}
    select
        firms.*,
        aliases.code as exact_code,
        case when aliases.code is null then {{ normalise_alias('firms.county_code_raw') }} end as alias_key
    from firms
    left join aliases
        on aliases.alias_norm = lower(firms.county_code_raw)

),

final as (

    select
        exact.firm_id,
        exact.year,
        coalesce(exact.exact_code, aliases.code) as county_code,
        exact.county_code_raw,
        exact.industry_code,
        substr(exact.industry_code, 1, 2) as industry_division_code,
        exact.employment,
        exact.output_10k_yuan,
        exact.source
    from exact
    left join aliases
        on aliases.alias_norm = exact.alias_key

)

select * from final
