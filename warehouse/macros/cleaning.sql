{#- Cleaning macros shared by the staging and intermediate models (documented in _macros__docs.yml). -#}

{% macro missing_tokens() -%}
    {#- Text values read as "no value": empty, yearbook dashes and dots, NA/null spellings. -#}
    {{ return(["", "-", "--", "—", "–", "..", "...", "…", "na", "n/a", "nan", "null", "none"]) }}
{%- endmacro %}

{% macro is_missing_token(expr) -%}
    (
        {{ expr }} is null
        or lower(trim({{ expr }})) in (
            {%- for t in missing_tokens() %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        )
    )
{%- endmacro %}

{% macro clean_number(expr) -%}
    {#- Text -> double: missing tokens -> null; thousands separators and spaces removed; otherwise
        a value that is not a number becomes null (the `numeric_text` test reports it). -#}
    case
        when {{ is_missing_token(expr) }} then null
        else {{ dbt.safe_cast("replace(replace(trim(" ~ expr ~ "), ',', ''), ' ', '')", api.Column.translate_type("double")) }}
    end
{%- endmacro %}

{% macro clean_integer(expr) -%}
    {#- Text -> integer year or count ('2011', ' 2011 ', '2011.0'); null when not an integer. -#}
    case
        when {{ is_missing_token(expr) }} then null
        else {{ dbt.safe_cast(dbt.safe_cast("trim(" ~ expr ~ ")", api.Column.translate_type("double")), api.Column.translate_type("integer")) }}
    end
{%- endmacro %}

{% macro clean_code(expr) -%}
    {#- Text code: trimmed, inner whitespace kept (aliases are normalised separately), '' -> null. -#}
    nullif(trim({{ expr }}), '')
{%- endmacro %}

{% macro normalise_alias(expr) -%}
    {{ return(adapter.dispatch('normalise_alias', 'agglo')(expr)) }}
{%- endmacro %}

{% macro default__normalise_alias(expr) -%}
    {#- Lowercase, every whitespace character removed (incl. the ideographic space U+3000 and the
        no-break space), as `alias_norm` in the seed `division_aliases`. -#}
    regexp_replace(lower({{ expr }}), '[\s\x{3000}\x{00a0}]+', '', 'g')
{%- endmacro %}

{% macro spark__normalise_alias(expr) -%}
    {#- Spark (Java regex, every match replaced; a raw literal r'...' keeps the backslashes): the
        same characters as RE2's \s on DuckDB ([\t\n\f\r ], not Java's extra \x0B) plus U+3000
        and U+00A0. -#}
    regexp_replace(lower({{ expr }}), r'[\t\n\f\r \x{3000}\x{00a0}]+', '')
{%- endmacro %}

{% macro normalise_unit(expr) -%}
    {#- Unit spelling as in `unit_conversions.from_unit`: trimmed, lowercase, '' -> null. -#}
    nullif(lower(trim({{ expr }})), '')
{%- endmacro %}
