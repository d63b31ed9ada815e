-- Every alias maps to a code of its level's reference seed (provinces / prefectures / counties).
with

aliases as (

    select * from {{ ref('division_aliases') }}

),

known as (

    select 'province' as level, province_code as code from {{ ref('provinces') }}
    union all
    select 'prefecture' as level, prefecture_code as code from {{ ref('prefectures') }}
    union all
    select 'county' as level, county_code as code from {{ ref('counties') }}

)

select aliases.*
from aliases
left join known
    on known.level = aliases.level
    and known.code = aliases.code
where known.code is null
