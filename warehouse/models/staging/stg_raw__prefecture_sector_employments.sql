with

source as (

    select * from {{ source('raw', 'prefecture_sector_employment') }}

),

renamed as (

    select
        ----------  ids
        {{ clean_code('prefecture_code') }} as prefecture_code_raw,
        upper({{ clean_code('sector_code') }}) as sector_code,
        year as year_text,
        {{ clean_integer('year') }} as year,

        ----------  numerics
        employment_10k as employment_10k_text,
        {{ clean_number('employment_10k') }} as employment_10k,

        ----------  provenance
        {{ clean_code('source') }} as source

    from source

)

select * from renamed
