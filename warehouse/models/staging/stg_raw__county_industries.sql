with

source as (

    select * from {{ source('raw', 'county_industry') }}

),

renamed as (

    select
        ----------  ids
        {{ clean_code('county_code') }} as county_code_raw,
        {{ clean_code('industry_code') }} as industry_code,
        year as year_text,
        {{ clean_integer('year') }} as year,

        ----------  numerics (text kept beside each parsed value for the numeric_text tests)
        enterprises as enterprises_text,
        {{ clean_number('enterprises') }} as enterprises,
        output_value_10k_yuan as output_value_10k_yuan_text,
        {{ clean_number('output_value_10k_yuan') }} as output_value_10k_yuan,
        value_added_10k_yuan as value_added_10k_yuan_text,
        {{ clean_number('value_added_10k_yuan') }} as value_added_10k_yuan,
        employment_persons as employment_persons_text,
        {{ clean_number('employment_persons') }} as employment_persons,
        total_assets_10k_yuan as total_assets_10k_yuan_text,
        {{ clean_number('total_assets_10k_yuan') }} as total_assets_10k_yuan,

        ----------  provenance
        {{ clean_code('source') }} as source

    from source

)

select * from renamed
