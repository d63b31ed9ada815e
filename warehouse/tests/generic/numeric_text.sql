{% test numeric_text(model, column_name, parsed_column) %}
{#- Fails on rows whose raw text `column_name` is not a missing token but did not parse into
    `parsed_column` (a non-numeric value such as '12a' or '1.2.3'). -#}
select {{ column_name }} as raw_value, *
from {{ model }}
where not {{ is_missing_token(column_name) }}
  and {{ parsed_column }} is null
{% endtest %}
