{#- A text value as an SQL string literal of the engine: DuckDB doubles the quote; Spark SQL
    escapes with a backslash (and so must escape the backslash too). Used for file paths and the
    seed values on Spark. -#}

{% macro sql_text_literal(value) -%}
    {{ return(adapter.dispatch('sql_text_literal', 'agglo')(value)) }}
{%- endmacro %}

{% macro default__sql_text_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__sql_text_literal(value) -%}
    '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
