// The compiled form of a ruleset: a flat, immutable structure that the evaluator walks
// without looking anything up by name. Built by the compiler (rules/compiler.cpp) from the
// syntax tree; shared by every thread that evaluates.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "carecoord/patient.hpp"
#include "model/patient_schema.hpp"
#include "rules/ast.hpp"
#include "rules/valueset.hpp"
#include "time/calendar.hpp"

namespace carecoord::workflow { struct Workflow; }

namespace carecoord::rules {

// What a list value ranges over.
enum class Coll : std::uint8_t { none, coverage, conditions, encounters, care_team, medications, observations, med_events };

enum class TypeKind : std::uint8_t { boolean, number, string, date, datetime, duration, code, enumeration, list, valueset, literal_list };

// Enumerations of the patient model, by id (index into enum_domains()).
enum class EnumId : std::uint8_t {
    sex, english_proficiency, payer, snp, medicaid_dual, condition_status, encounter_class,
    disposition, complexity, care_role, medication_status, medication_event_type,
    social_support, health_literacy, care_plan_state, count
};

struct Type {
    TypeKind kind = TypeKind::boolean;
    EnumId enum_id = EnumId::count;  // enumeration
    Coll coll = Coll::none;          // list of records
    bool clock = false;              // duration: hours/minutes
    TypeKind elem = TypeKind::string;  // literal_list: element kind

    bool operator==(const Type& o) const {
        return kind == o.kind && enum_id == o.enum_id && coll == o.coll && clock == o.clock &&
               (kind != TypeKind::literal_list || elem == o.elem);
    }
};

std::string type_name(const Type& t);
std::span<const std::string_view> enum_domain(EnumId id);
// "no active coverage by medicaid or commercial": a program's reason when none of its payers
// covers the patient, written once when the program is compiled.
std::string no_coverage_reason(std::uint64_t payer_mask);

// Every patient field an expression can read: the X rows of model/patient_schema.hpp, in
// the order of CARECOORD_RULE_RECORDS. Patient-level fields have coll == none.
#define CARECOORD_FIELD_ID_X(R, ID, ...) ID,
#define CARECOORD_FIELD_ID_N(...)
#define CARECOORD_FIELD_IDS(R, COLL) CARECOORD_FIELDS_##R(CARECOORD_FIELD_ID_X, CARECOORD_FIELD_ID_N)
enum class Field : std::uint8_t { CARECOORD_RULE_RECORDS(CARECOORD_FIELD_IDS) count };
#undef CARECOORD_FIELD_IDS
#undef CARECOORD_FIELD_ID_N
#undef CARECOORD_FIELD_ID_X

struct FieldInfo {
    Field field;
    Coll coll;           // none: patient level
    std::string_view path;  // "social.food_insecurity", "encounters[].emergent"
    std::string_view name;  // the name an expression uses: "food_insecurity" under social, "emergent" in an encounter
    std::string_view record;  // "social", "language", "ltc_placement", "care_plan", or "" for top level / elements
    Type type;
    int missing_bit;     // >= 0: absent means unknown, reported under this bit; -1: absent means none
};

std::span<const FieldInfo> field_table();
const FieldInfo& field_info(Field f);

// A runtime value. Static types are known to the compiler; the value carries only its
// state and payload.
struct ListRef {
    std::uint32_t offset = 0;  // into the evaluation's index arena
    std::uint32_t count = 0;
    Coll coll = Coll::none;
    std::uint32_t parent = 0;  // med_events: the medication's index
};

struct Value {
    enum State : std::uint8_t { known, none, unknown };
    State state = known;
    std::int64_t i = 0;        // boolean, date (days), datetime (minutes), enum index
    double num = 0;            // number
    std::string_view s;        // string, code text
    const std::string* system = nullptr;  // code system
    ListRef list;
    Duration dur;

    static Value unknown_value() { Value v; v.state = unknown; return v; }
    static Value none_value() { Value v; v.state = none; return v; }
    static Value boolean(bool b) { Value v; v.i = b; return v; }
    static Value number(double n) { Value v; v.num = n; return v; }
    static Value integer(std::int64_t n) { Value v; v.i = n; return v; }
};

enum class Op : std::uint8_t {
    constant, fact, patient_field, elem_field, collection, nested_events,
    as_of, age, tier, previous_tier, tier_change_day, anchor,
    event_time, event_type, event_payload,  // workflow: the event being applied (payload_slot())
    not_, neg, and_, or_, cond,
    cmp,          // a cmp_op b; left_kind, right_kind: the operands' kinds (a date may meet a datetime)
    arith,        // a arith_op b (numbers)
    date_shift,   // a = date/datetime (left_kind), b = duration; negate: subtract; the result is the node's type
    in_valueset,  // a = code in valueset(); negate: "not in"
    in_list,      // a = value in literal_list(), looked up as list_match; negate: "not in"
    where,        // a = list, b = predicate
    count, count_distinct, exists_list, exists_value, any, all,
    min_list, max_list, sum_list, latest, earliest,  // a = list, b = element expr, c = value expr (latest/earliest 3-arg)
    min_values, max_values,  // args
    category,     // a = code, valueset()
    codes,        // a = list
    days_between, hours_between, years_between,  // a (left_kind), b (right_kind): date or datetime
    date_of,      // a (left_kind): date or datetime
    abs_,
};

enum class CmpOp : std::uint8_t { eq, ne, lt, le, gt, ge };

// The arithmetic of an arith node, by the character that writes it.
enum class ArithOp : char { none = 0, add = '+', sub = '-', mul = '*', div = '/' };

// How an in_list node looks its value up: an enumeration in a bit mask, or a string or
// number among the list's literals.
enum class ListMatch : std::uint8_t { none, enum_mask, strings, numbers };

// One node of an expression. Beside the operands (a, b, c, args), a node carries small
// payloads named by what they mean; each is set for the ops its comment lists and left at its
// default for every other op, so two nodes compare equal field by field.
struct Node {
    Op op = Op::constant;
    CmpOp cmp_op = CmpOp::eq;                // cmp
    TypeKind left_kind = TypeKind::boolean;  // cmp, date_shift, *_between, date_of: the kind of a
    TypeKind right_kind = TypeKind::boolean; // cmp, *_between: the kind of b
    std::int32_t a = -1, b = -1, c = -1;
    // The table entry the node refers to; what it indexes depends on op, so it is read and
    // written through the accessors below, which name it.
    std::int32_t ref = 0;
    std::int32_t depth = 0;   // elem_field / nested_events: which scope level to read; aggregates: the element's
    Type type;
    bool negate = false;                     // in_valueset, in_list ("not in"), date_shift (subtract)
    ListMatch list_match = ListMatch::none;  // in_list
    ArithOp arith_op = ArithOp::none;        // arith
    std::int32_t join = -1;    // any: its index plan (Plan::joins), or -1 when it runs as a loop
    Value k;                   // constant
    std::vector<std::int32_t> args;

    // patient_field, elem_field, nested_events: the field read.
    Field field() const { return static_cast<Field>(ref); }
    void set_field(Field f) { ref = static_cast<std::int32_t>(f); }
    // collection: the patient's list.
    Coll collection() const { return static_cast<Coll>(ref); }
    void set_collection(Coll c) { ref = static_cast<std::int32_t>(c); }
    // fact: its slot in Plan::facts (and in the evaluation's fact memo).
    std::size_t fact_slot() const { return static_cast<std::size_t>(ref); }
    // in_valueset, category, and a constant of type valueset: index into Plan::valuesets.
    int valueset() const { return ref; }
    // in_list, and a constant of type literal_list: index into Plan::lists.
    std::size_t literal_list() const { return static_cast<std::size_t>(ref); }
    // event_payload: the payload field's slot in the event.
    std::size_t payload_slot() const { return static_cast<std::size_t>(ref); }
    void set_index(std::size_t i) { ref = static_cast<std::int32_t>(i); }

    // Same op, payloads, scope depth and type: everything but the operands, ref and constant.
    bool same_shape(const Node& o) const {
        return op == o.op && cmp_op == o.cmp_op && left_kind == o.left_kind && right_kind == o.right_kind &&
               negate == o.negate && list_match == o.list_match && arith_op == o.arith_op && depth == o.depth &&
               type == o.type;
    }
};
// The evaluator walks nodes by the thousand per patient: naming the payloads must not grow
// them (144 bytes on LP64 before they were named, 136 once the text spans moved to
// PlanSource; most of it is the constant Value and args).
static_assert(sizeof(void*) != 8 || sizeof(Node) <= 136, "rules::Node grew");

// An `any(list, t1 and t2 and ...)` inside another element's scope whose terms compare the
// inner element with the outer one (`admit < outer.admit`), planned by the compiler as a
// sorted index: the list is filtered and sorted once per evaluation, and each outer element
// costs a binary search and a pass over the matching range, not a pass over the whole list.
// The evaluator checks at run time that what it relies on holds for the patient at hand (no
// term unknown or reporting missing data, the keyed values ordered with the key) and falls
// back to the loop when it does not, so both give the same answers (Evaluator::any_by_index).
struct JoinBound {
    std::int32_t inner = -1;  // the side of a comparison that reads only the inner element
    std::int32_t outer = -1;  // the side that reads no inner element
    CmpOp op = CmpOp::eq;     // as `inner op outer`
    TypeKind inner_kind = TypeKind::number;
    TypeKind outer_kind = TypeKind::number;
    bool keyed = false;       // ordered with the sort key: its matches are a range of the index
};

struct JoinPlan {
    std::int32_t list = -1;   // the list any() ranges over (reads no element scope)
    std::int32_t depth = 0;   // the inner element's scope level
    std::int32_t key = -1;    // the sort key: reads only the inner element
    TypeKind key_kind = TypeKind::number;
    std::vector<std::int32_t> filters;      // terms that read only the inner element, in their order
    std::size_t leading_filters = 0;        // how many of them come before every other term
    std::vector<std::int32_t> outer_terms;  // terms that read no inner element
    std::vector<JoinBound> bounds;          // comparisons of an inner side with an outer side
    std::vector<std::int32_t> residual;     // the other terms: never unknown, read nothing missing
};

// A literal list (`["inpatient", "observation"]` or a list parameter) after compilation.
struct LiteralList {
    std::uint64_t enum_mask = 0;  // when compared with an enumeration
    std::vector<std::string> strings;
    std::vector<double> numbers;
};

struct TemplatePart {
    std::string text;        // literal text
    std::int32_t node = -1;  // or an expression to render
};
using Template = std::vector<TemplatePart>;

struct SourceRef {
    std::string file;
    int line = 0;
    int column = 0;
};

struct CompiledFact {
    std::string name;
    std::string description;
    std::int32_t node = -1;
    Type type;
};

struct CompiledRule {
    std::string id;
    std::int32_t when = -1;  // its text: PlanSource::when_text(when)
    Template reason;
    std::string source;
    int tier = -1;  // tier rules: index into tier_order
    SourceRef where;
};

struct CompiledFlag {
    std::string id;
    std::string description;
    std::vector<CompiledRule> rules;
};

struct CompiledProgram {
    std::string id;
    std::string name;
    std::uint64_t payer_mask = 0;  // 0: no payer filter
    std::string no_coverage_reason;  // the reason when no coverage by those payers is in force
    std::int32_t when = -1;  // its text: PlanSource::when_text(when)
    Template reason;
    Template not_reason;
    std::string source;
    SourceRef where;
};

struct CompiledTrigger {
    std::string id;
    std::int32_t anchor = -1;
    std::int32_t when = -1;  // -1: always
    std::int32_t due = -1;
    std::string action;
    Template reason;
    std::string source;
    SourceRef where;
};

struct Plan {
    // identity
    std::string id;
    std::string version;
    std::string sha256;
    std::string file;
    std::string description;
    Date effective_from{};
    std::optional<Date> effective_until;
    SourceRef effective_where;  // the `effective` mapping, for diagnostics about the period

    std::vector<Node> nodes;
    std::vector<JoinPlan> joins;
    std::vector<CompiledFact> facts;
    std::vector<LiteralList> lists;
    std::deque<std::string> strings;  // string constants; a deque keeps their addresses stable
    ValueSetTable valuesets;
    time::Calendar calendar;

    bool has_tiers = false;
    // Some expression reads previous_tier or tier_change_day: the engine then works out the
    // previous tier when the document records none (an extra tier evaluation).
    bool reads_previous_tier = false;
    SourceRef tiers_where;  // the `tiers` mapping
    std::vector<std::string> tier_order;  // lowest first
    int default_tier = 0;
    std::vector<CompiledRule> tier_rules;
    std::vector<CompiledFlag> flags;
    std::vector<CompiledProgram> programs;
    std::vector<CompiledTrigger> triggers;
    bool uses_tier = false;        // reads `tier` outside tier rules
    int max_depth = 0;             // deepest element scope

    // The `workflow` section (rules/workflow.hpp), when the ruleset has one. Its expressions are
    // nodes of this plan.
    std::shared_ptr<const workflow::Workflow> workflow;

    // The citations declared under `sources:` (the ruleset's and its libraries'): id ->
    // (title, url), for explanations that cite by title.
    std::map<std::string, std::pair<std::string, std::string>, std::less<>> sources;

    // A ruleset that only holds a care-plan workflow answers events, not evaluations.
    bool workflow_only() const {
        return workflow && !has_tiers && flags.empty() && programs.empty() && triggers.empty();
    }
};

}  // namespace carecoord::rules
