with

source as (

    select * from {{ source('raw', 'province_indicators') }}

),

renamed as (

    select
        ----------  ids
        {{ clean_code('province_code') }} as province_code_raw,
        lower({{ clean_code('indicator_code') }}) as indicator_code,
        year as year_text,
        {{ clean_integer('year') }} as year,

        ----------  numerics
        value as value_text,
        {{ clean_number('value') }} as value,
        {{ normalise_unit('unit') }} as unit,

        ----------  provenance
        {{ clean_code('source') }} as source

    from source

)

select * from renamed
