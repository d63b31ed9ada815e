-- No county row is keyed by an older-vintage code that has since changed (county_code_changes, all provinces).
select fct.county_code, fct.year
from {{ ref('fct_county_years') }} as fct
inner join {{ ref('county_code_changes') }} as changes
    on changes.old_code = fct.county_code
where changes.old_code <> coalesce(changes.new_code, '')
