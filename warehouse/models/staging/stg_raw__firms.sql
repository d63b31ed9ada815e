{#- The firms file is optional: without it (var has_firms false, the default) this view is empty
    but typed, so downstream models and tests still compile and run. A table, unlike the other staging
    views: firms.csv may hold millions of rows, and a view would parse it again for every data test
    and reader (eight tests; about 30 s each at 5 million rows). -#}
{{ config(materialized='table') }}
with

{% if var('has_firms', false) %}
source as (

    select * from {{ source('raw', 'firms') }}

),
{% else %}
source as (

    select
        cast(null as varchar) as firm_id,
        cast(null as varchar) as year,
        cast(null as varchar) as county_code,
        cast(null as varchar) as industry_code,
        cast(null as varchar) as employment,
        cast(null as varchar) as output_10k_yuan,
        cast(null as varchar) as source
    where 1 = 0

),
{% endif %}

renamed as (

    select
        ----------  ids
        {{ clean_code('firm_id') }} as firm_id,
        {{ clean_code('county_code') }} as county_code_raw,
        {{ clean_code('industry_code') }} as industry_code,
        year as year_text,
        {{ clean_integer('year') }} as year,

        ----------  numerics
        employment as employment_text,
        {{ clean_number('employment') }} as employment,
        output_10k_yuan as output_10k_yuan_text,
        {{ clean_number('output_10k_yuan') }} as output_10k_yuan,

        ----------  provenance
        {{ clean_code('source') }} as source

    from source

)

select * from renamed
