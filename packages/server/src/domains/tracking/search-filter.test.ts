import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '@flywheel/contract';
import {
  RUN_ATTRIBUTES,
  parseExperimentFilter,
  parseExperimentOrderBy,
  parseRunFilter,
  parseRunOrderBy,
  type FilterClause,
} from './search-filter.js';

/** Asserts that `fn` throws an INVALID_INPUT DomainError whose message matches every pattern. */
function rejects(fn: () => unknown, ...patterns: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_INPUT');
    for (const p of patterns) {
      if (typeof p === 'string') assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(p)}`);
      else assert.match(e.message, p);
    }
    return true;
  });
}

const one = (filter: string): FilterClause => {
  const clauses = parseRunFilter(filter);
  assert.equal(clauses.length, 1, `one clause expected from ${filter}`);
  return clauses[0]!;
};

// ---------------------------------------------------------------------------------------------
// Run filters: empty input
// ---------------------------------------------------------------------------------------------

test('empty, whitespace, null and undefined filters give no clauses', () => {
  assert.deepEqual(parseRunFilter(''), []);
  assert.deepEqual(parseRunFilter('   \n\t '), []);
  assert.deepEqual(parseRunFilter(undefined), []);
  assert.deepEqual(parseRunFilter(null), []);
  assert.deepEqual(parseExperimentFilter(''), []);
  assert.deepEqual(parseExperimentFilter(undefined), []);
});

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

test('metrics accept every numeric comparator with a number', () => {
  for (const op of ['=', '!=', '>', '>=', '<', '<='] as const) {
    assert.deepEqual(one(`metrics.acc ${op} 0.5`), { type: 'metric', key: 'acc', comparator: op, value: 0.5 });
  }
});

test('metric numbers: ints, floats, negatives, scientific notation', () => {
  assert.equal(one('metrics.a = 3').value, 3);
  assert.equal(one('metrics.a = -3').value, -3);
  assert.equal(one('metrics.a = 3.25').value, 3.25);
  assert.equal(one('metrics.a = .5').value, 0.5);
  assert.equal(one('metrics.a = 5.').value, 5);
  assert.equal(one('metrics.a = -0.001').value, -0.001);
  assert.equal(one('metrics.a = 1e3').value, 1000);
  assert.equal(one('metrics.a = 1.5E-3').value, 0.0015);
  assert.equal(one('metrics.a = -2e+2').value, -200);
  assert.equal(one('metrics.a>=-1').value, -1);
});

test('metric and metrics prefixes are the same entity', () => {
  assert.deepEqual(one('metric.loss < 1'), one('metrics.loss < 1'));
});

test('comparators need no surrounding whitespace', () => {
  assert.deepEqual(one('metrics.acc>0.9'), { type: 'metric', key: 'acc', comparator: '>', value: 0.9 });
  assert.deepEqual(one("params.lr='0.1'"), { type: 'param', key: 'lr', comparator: '=', value: '0.1' });
  assert.deepEqual(one('metrics.acc!=1'), { type: 'metric', key: 'acc', comparator: '!=', value: 1 });
});

// ---------------------------------------------------------------------------------------------
// Params and tags
// ---------------------------------------------------------------------------------------------

test('params accept = != LIKE ILIKE with quoted strings, under every alias', () => {
  for (const prefix of ['param', 'params', 'parameter', 'parameters']) {
    for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
      assert.deepEqual(one(`${prefix}.model ${op} 'cnn%'`), { type: 'param', key: 'model', comparator: op, value: 'cnn%' });
    }
  }
});

test('tags accept = != LIKE ILIKE under tag and tags', () => {
  for (const prefix of ['tag', 'tags']) {
    for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
      assert.deepEqual(one(`${prefix}.team ${op} "ml"`), { type: 'tag', key: 'team', comparator: op, value: 'ml' });
    }
  }
});

test('params and tags accept IS NULL and IS NOT NULL, any case', () => {
  assert.deepEqual(one('params.lr IS NULL'), { type: 'param', key: 'lr', comparator: 'IS NULL', value: null });
  assert.deepEqual(one('params.lr is not null'), { type: 'param', key: 'lr', comparator: 'IS NOT NULL', value: null });
  assert.deepEqual(one('tags.x Is  Null'), { type: 'tag', key: 'x', comparator: 'IS NULL', value: null });
  assert.deepEqual(one('tags.x IS NOT NULL'), { type: 'tag', key: 'x', comparator: 'IS NOT NULL', value: null });
  assert.deepEqual(parseRunFilter('tags.x IS NULL AND params.y IS NOT NULL AND metrics.z > 1').length, 3);
});

test('LIKE and ILIKE are case-insensitive and come back upper-case', () => {
  assert.equal(one("params.a like 'x%'").comparator, 'LIKE');
  assert.equal(one("params.a Like 'x%'").comparator, 'LIKE');
  assert.equal(one("tags.a ilike 'x%'").comparator, 'ILIKE');
  assert.equal(one("tags.a iLiKe 'x%'").comparator, 'ILIKE');
});

test('string values in single or double quotes, kept as written', () => {
  assert.equal(one(`params.a = "it's"`).value, "it's");
  assert.equal(one(`params.a = 'say "hi"'`).value, 'say "hi"');
  assert.equal(one("params.a = ''").value, '');
  assert.equal(one("params.a = 'x AND y OR z'").value, 'x AND y OR z');
  assert.equal(one("params.a = '  padded  '").value, '  padded  ');
  assert.equal(one("params.a = '123'").value, '123');
});

// ---------------------------------------------------------------------------------------------
// Keys and quoting
// ---------------------------------------------------------------------------------------------

test('keys may contain dots, dashes, slashes and colons unquoted', () => {
  assert.deepEqual(one("tags.mlflow.source.type = 'LOCAL'"), {
    type: 'tag',
    key: 'mlflow.source.type',
    comparator: '=',
    value: 'LOCAL',
  });
  assert.equal(one('metrics.val/loss-2:x < 1').key, 'val/loss-2:x');
  assert.equal(one('metrics.2019_acc > 1').key, '2019_acc');
});

test('keys may be quoted with double quotes, backticks or single quotes', () => {
  assert.equal(one('metrics."my metric" > 1').key, 'my metric');
  assert.equal(one('metrics.`my metric` > 1').key, 'my metric');
  assert.equal(one("metrics.'prediction accuracy' >= 0.945").key, 'prediction accuracy');
  assert.equal(one("tags.`mlflow.user` = 'alice'").key, 'mlflow.user');
  assert.equal(one('params."model-type" = \'cnn\'').key, 'model-type');
  assert.equal(one('metrics."2019-04-02 error rate" < 0.1').key, '2019-04-02 error rate');
  assert.equal(one('metrics."a=b" < 0.1').key, 'a=b');
});

test('the prefix itself may be in backticks', () => {
  assert.deepEqual(one('`metrics`.acc > 1'), { type: 'metric', key: 'acc', comparator: '>', value: 1 });
});

// ---------------------------------------------------------------------------------------------
// Attributes
// ---------------------------------------------------------------------------------------------

test('RUN_ATTRIBUTES lists the canonical searchable attributes', () => {
  assert.deepEqual(
    [...RUN_ATTRIBUTES].sort(),
    ['artifact_uri', 'end_time', 'lifecycle_stage', 'run_id', 'run_name', 'start_time', 'status', 'user_id'],
  );
});

test('string attributes accept = != LIKE ILIKE under every attribute alias', () => {
  for (const prefix of ['attribute', 'attributes', 'attr', 'run']) {
    for (const key of ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage']) {
      for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
        assert.deepEqual(one(`${prefix}.${key} ${op} 'v'`), { type: 'attribute', key, comparator: op, value: 'v' });
      }
    }
  }
});

test('numeric attributes accept numeric comparators and give numbers', () => {
  for (const op of ['=', '!=', '>', '>=', '<', '<='] as const) {
    assert.deepEqual(one(`attributes.start_time ${op} 1700000000000`), {
      type: 'attribute',
      key: 'start_time',
      comparator: op,
      value: 1700000000000,
    });
    assert.deepEqual(one(`attributes.end_time ${op} 0`), { type: 'attribute', key: 'end_time', comparator: op, value: 0 });
  }
});

test("'created' and 'Created' are start_time; 'run name' aliases are run_name; run_id stays run_id", () => {
  assert.deepEqual(one('attributes.created > 5'), { type: 'attribute', key: 'start_time', comparator: '>', value: 5 });
  assert.deepEqual(one('attributes.Created <= 5'), { type: 'attribute', key: 'start_time', comparator: '<=', value: 5 });
  assert.equal(one('attributes.`Run name` = \'x\'').key, 'run_name');
  assert.equal(one('attributes."run name" = \'x\'').key, 'run_name');
  assert.equal(one("attributes.run_id = 'abc'").key, 'run_id');
});

test('an identifier without a prefix is an attribute, as in MLflow', () => {
  assert.deepEqual(one("status = 'FINISHED'"), { type: 'attribute', key: 'status', comparator: '=', value: 'FINISHED' });
  assert.deepEqual(one('start_time > 10'), { type: 'attribute', key: 'start_time', comparator: '>', value: 10 });
  assert.equal(one('`Run Name` = \'x\'').key, 'run_name');
});

test('run_id accepts IN and NOT IN lists', () => {
  assert.deepEqual(one("attributes.run_id IN ('a', 'b', 'c')"), {
    type: 'attribute',
    key: 'run_id',
    comparator: 'IN',
    value: ['a', 'b', 'c'],
  });
  assert.deepEqual(one("attributes.run_id NOT IN ('a')"), {
    type: 'attribute',
    key: 'run_id',
    comparator: 'NOT IN',
    value: ['a'],
  });
  assert.deepEqual(one(`run.run_id in ("a","b")`).value, ['a', 'b']);
  assert.deepEqual(one(`run.run_id not   in ( 'a' ,\n 'b' )`).comparator, 'NOT IN');
  assert.deepEqual(one(`attr.run_id In('a','b',)`).value, ['a', 'b']);
  assert.deepEqual(one(`attr.run_id IN ('a,b', 'c)')`).value, ['a,b', 'c)']);
});

// ---------------------------------------------------------------------------------------------
// Datasets
// ---------------------------------------------------------------------------------------------

test('datasets accept name, digest, context with = != LIKE ILIKE IN NOT IN', () => {
  for (const prefix of ['dataset', 'datasets']) {
    for (const key of ['name', 'digest', 'context']) {
      for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
        assert.deepEqual(one(`${prefix}.${key} ${op} 'v'`), { type: 'dataset', key, comparator: op, value: 'v' });
      }
      assert.deepEqual(one(`${prefix}.${key} IN ('a', 'b')`), { type: 'dataset', key, comparator: 'IN', value: ['a', 'b'] });
      assert.deepEqual(one(`${prefix}.${key} NOT IN ('a')`), { type: 'dataset', key, comparator: 'NOT IN', value: ['a'] });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Conjunctions
// ---------------------------------------------------------------------------------------------

test('clauses join with AND in any case and with any whitespace', () => {
  const clauses = parseRunFilter(
    "  metrics.acc > 0.9 and params.model = 'cnn'\n\tAND tags.team LIKE 'ml%'   aNd attributes.status != 'FAILED'  ",
  );
  assert.deepEqual(clauses, [
    { type: 'metric', key: 'acc', comparator: '>', value: 0.9 },
    { type: 'param', key: 'model', comparator: '=', value: 'cnn' },
    { type: 'tag', key: 'team', comparator: 'LIKE', value: 'ml%' },
    { type: 'attribute', key: 'status', comparator: '!=', value: 'FAILED' },
  ]);
  assert.equal(parseRunFilter("params.a='x'AND params.b='y'").length, 2);
  assert.equal(parseRunFilter("attributes.run_id IN ('a') AND metrics.m = 1").length, 2);
});

test('a key named like a keyword is still a key', () => {
  assert.equal(one("params.and = 'x'").key, 'and');
  assert.equal(one("tags.in = 'x'").key, 'in');
});

// ---------------------------------------------------------------------------------------------
// Run filters that must fail
// ---------------------------------------------------------------------------------------------

test('OR is refused', () => {
  rejects(() => parseRunFilter("metrics.a > 1 OR params.b = 'x'"), 'Invalid clause(s) in filter string', "OR params.b = 'x'", 'OR');
  rejects(() => parseRunFilter('metrics.a > 1 or metrics.b > 1'), 'not supported');
});

test('bad clauses are refused naming the clause', () => {
  rejects(() => parseRunFilter('metrics.acc'), "Invalid clause(s) in filter string: 'metrics.acc'");
  rejects(() => parseRunFilter('metrics.acc > 1 metrics.b < 2'), "Invalid clause(s) in filter string: 'metrics.b < 2'");
  rejects(() => parseRunFilter('metrics.my metric > 1'), 'Invalid clause(s)', 'metrics.my metric > 1');
  rejects(() => parseRunFilter('(metrics.a > 1)'), 'Invalid clause(s)', '(metrics.a > 1)');
  rejects(() => parseRunFilter('metrics.a > 1 AND'), 'Invalid clause(s)', 'AND');
  rejects(() => parseRunFilter('AND metrics.a > 1'), 'Invalid clause(s)');
  rejects(() => parseRunFilter('metrics.a >'), "Invalid clause(s) in filter string: 'metrics.a >'");
  rejects(() => parseRunFilter("params.a = 'unterminated"), 'Invalid clause(s)', "params.a = 'unterminated", 'Unterminated');
  rejects(() => parseRunFilter("params.a NOT 'x'"), 'Invalid clause(s)', "params.a NOT 'x'");
  rejects(() => parseRunFilter('metrics.a > 1;'), 'Invalid clause(s)', ';');
});

test('unknown entity types are refused naming the prefix', () => {
  rejects(() => parseRunFilter('foo.bar = 1'), "Invalid entity type 'foo'", "'metric', 'parameter', 'tag', 'attribute', 'dataset'");
  rejects(() => parseRunFilter('Metrics.acc > 1'), "Invalid entity type 'Metrics'");
  rejects(() => parseRunFilter("mlflow.user = 'x'"), "Invalid entity type 'mlflow'");
});

test('empty keys are refused', () => {
  rejects(() => parseRunFilter('metrics. > 1'), "Invalid identifier 'metrics.'");
});

test('unknown attributes are refused listing the valid keys', () => {
  rejects(
    () => parseRunFilter("attributes.foo = 'x'"),
    "Invalid attribute key 'foo' specified. Valid keys are '[",
    "'run_id'",
    "'start_time'",
    "'created'",
  );
  rejects(() => parseRunFilter("experiment_id = '1'"), "Invalid attribute key 'experiment_id'");
  rejects(() => parseRunFilter("name = 'x'"), "Invalid attribute key 'name'");
});

test('unknown dataset keys are refused', () => {
  rejects(() => parseRunFilter("datasets.source = 'x'"), "Invalid dataset key 'source' specified");
});

test('comparators an entity does not take are refused naming both', () => {
  rejects(() => parseRunFilter("metrics.acc LIKE '1'"), "Invalid comparator 'LIKE' for metric 'acc'");
  rejects(() => parseRunFilter('metrics.acc ~ 1'), "Invalid comparator '~' for metric 'acc'");
  rejects(() => parseRunFilter('metrics.acc == 1'), "Invalid comparator '=='");
  rejects(() => parseRunFilter('metrics.acc <> 1'), "Invalid comparator '<>'");
  rejects(() => parseRunFilter('metrics.acc IS NULL'), "Invalid comparator 'IS NULL' for metric 'acc'");
  rejects(() => parseRunFilter("params.lr > '1'"), "Invalid comparator '>' for param 'lr'");
  rejects(() => parseRunFilter("params.lr IN ('1')"), "Invalid comparator 'IN' for param 'lr'");
  rejects(() => parseRunFilter("tags.t NOT LIKE 'x'"), "Invalid comparator 'NOT LIKE' for tag 't'");
  rejects(() => parseRunFilter("attributes.status > 'x'"), "Invalid comparator '>' for attribute 'status'");
  rejects(() => parseRunFilter("attributes.start_time LIKE '1'"), "Invalid comparator 'LIKE' for attribute 'start_time'");
  rejects(() => parseRunFilter('attributes.end_time IS NULL'), "Invalid comparator 'IS NULL' for attribute 'end_time'");
  rejects(() => parseRunFilter("datasets.name > 'x'"), "Invalid comparator '>' for dataset 'name'");
});

test('only run_id takes a list among attributes', () => {
  rejects(() => parseRunFilter("attributes.status IN ('FINISHED')"), "Only the 'run_id' attribute supports comparison with a list");
});

test('values of the wrong type are refused naming the value', () => {
  rejects(() => parseRunFilter("metrics.acc > '0.9'"), "Expected numeric value type for metric. Found '0.9'");
  rejects(() => parseRunFilter('metrics.acc > abc'), 'Expected numeric value type for metric. Found abc');
  rejects(() => parseRunFilter('metrics.acc > 1.2.3'), 'Found 1.2.3');
  rejects(() => parseRunFilter("attributes.start_time > 'yesterday'"), 'numeric attribute: start_time', "'yesterday'");
  rejects(() => parseRunFilter('params.lr = 0.1'), 'Expected a quoted string value for parameter', 'Got value 0.1');
  rejects(() => parseRunFilter('tags.t = 5'), 'Expected a quoted string value for tag', 'Got value 5');
  rejects(() => parseRunFilter('params.lr = cnn'), 'not quoted', 'cnn');
  rejects(() => parseRunFilter('params.lr = `cnn`'), 'not quoted', '`cnn`');
  rejects(() => parseRunFilter('attributes.status = 1'), 'Expected a quoted string value for attributes. Got value 1');
  rejects(() => parseRunFilter("attributes.run_id = ('a')"), "Got value ('a')");
  rejects(() => parseRunFilter('datasets.name = 1'), 'Expected a quoted string value for dataset attributes. Got value 1');
});

test('ill-formed IN lists are refused', () => {
  rejects(() => parseRunFilter('attributes.run_id IN ()'), 'expected a non-empty list of string values, but got empty list');
  rejects(() => parseRunFilter('attributes.run_id IN (1, 2)'), 'but got different type in list: (1, 2)');
  rejects(() => parseRunFilter("attributes.run_id IN ('a' 'b')"), 'ill-formed list');
  rejects(() => parseRunFilter("attributes.run_id IN 'a'"), 'Invalid clause(s)', "attributes.run_id IN 'a'", 'parenthesised list');
  rejects(() => parseRunFilter("attributes.run_id IN ('a'"), 'Invalid clause(s)', 'Unclosed list');
});

// ---------------------------------------------------------------------------------------------
// Run order_by
// ---------------------------------------------------------------------------------------------

test('run order_by: default ascending, ASC/DESC in any case', () => {
  assert.deepEqual(parseRunOrderBy(['metrics.acc']), [{ type: 'metric', key: 'acc', ascending: true }]);
  assert.deepEqual(parseRunOrderBy(['metrics.acc DESC', 'params.lr asc', 'tags.t Desc']), [
    { type: 'metric', key: 'acc', ascending: false },
    { type: 'param', key: 'lr', ascending: true },
    { type: 'tag', key: 't', ascending: false },
  ]);
  assert.deepEqual(parseRunOrderBy(['  metrics.acc   desc  ']), [{ type: 'metric', key: 'acc', ascending: false }]);
  assert.deepEqual(parseRunOrderBy([]), []);
  assert.deepEqual(parseRunOrderBy(undefined), []);
  assert.deepEqual(parseRunOrderBy(null), []);
});

test('run order_by: quoted and dotted keys, aliases', () => {
  assert.deepEqual(parseRunOrderBy(['metrics.`my metric` DESC']), [{ type: 'metric', key: 'my metric', ascending: false }]);
  assert.deepEqual(parseRunOrderBy(['metrics."my metric"']), [{ type: 'metric', key: 'my metric', ascending: true }]);
  assert.deepEqual(parseRunOrderBy(['tags.mlflow.runName']), [{ type: 'tag', key: 'mlflow.runName', ascending: true }]);
  assert.deepEqual(parseRunOrderBy(['parameters.x', 'metric.y']), [
    { type: 'param', key: 'x', ascending: true },
    { type: 'metric', key: 'y', ascending: true },
  ]);
});

test('run order_by: orderable attributes, created -> start_time, no prefix is an attribute', () => {
  for (const key of ['start_time', 'end_time', 'run_name', 'run_id', 'status', 'user_id', 'artifact_uri']) {
    assert.deepEqual(parseRunOrderBy([`attributes.${key} DESC`]), [{ type: 'attribute', key, ascending: false }]);
  }
  assert.deepEqual(parseRunOrderBy(['attr.created']), [{ type: 'attribute', key: 'start_time', ascending: true }]);
  assert.deepEqual(parseRunOrderBy(['Created DESC']), [{ type: 'attribute', key: 'start_time', ascending: false }]);
  assert.deepEqual(parseRunOrderBy(['start_time DESC']), [{ type: 'attribute', key: 'start_time', ascending: false }]);
});

test('run order_by: bad entries are refused', () => {
  rejects(() => parseRunOrderBy(['metrics.acc DOWN']), "Invalid ordering key in order_by clause 'metrics.acc DOWN'");
  rejects(() => parseRunOrderBy(['metrics.acc DESC extra']), "Invalid order_by clause 'metrics.acc DESC extra'. Could not be parsed.");
  rejects(() => parseRunOrderBy(['']), "Invalid order_by clause ''");
  rejects(() => parseRunOrderBy(['metrics.acc,metrics.b']), 'Invalid order_by clause');
  rejects(() => parseRunOrderBy(['attributes.lifecycle_stage']), "Invalid attribute key 'lifecycle_stage'");
  rejects(() => parseRunOrderBy(['attributes.foo DESC']), "Invalid attribute key 'foo' specified. Valid keys are");
  rejects(() => parseRunOrderBy(['foo.bar']), "Invalid entity type 'foo'");
  rejects(() => parseRunOrderBy(['datasets.name']), "Invalid order_by entity type 'dataset'");
  rejects(() => parseRunOrderBy(['metrics.`unclosed DESC']), 'Invalid order_by clause');

});

test('order_by: duplicate fields (after aliases) and more than 10 entries are refused', () => {
  rejects(() => parseRunOrderBy(['attr.created', 'Created DESC']), '`order_by` contains duplicate fields: start_time');
  rejects(() => parseRunOrderBy(['metrics.acc', 'metric.acc DESC']), '`order_by` contains duplicate fields: metric.acc');
  assert.equal(parseRunOrderBy(['metrics.acc', 'params.acc', 'tags.acc']).length, 3);
  const eleven = Array.from({ length: 11 }, (_, i) => `metrics.m${i}`);
  rejects(() => parseRunOrderBy(eleven), "Invalid value for 'order_by': at most 10 entries are allowed, got 11.");
  assert.equal(parseRunOrderBy(eleven.slice(0, 10)).length, 10);
  rejects(() => parseExperimentOrderBy(['name', 'name DESC']), '`order_by` contains duplicate fields: name');
  rejects(() => parseExperimentOrderBy(Array.from({ length: 11 }, () => 'name')), 'at most 10 entries');
});

test('filter limits: clauses, length and IN list size', () => {
  const clauses = (n: number) => Array.from({ length: n }, (_, i) => `metrics.m${i} > ${i}`).join(' AND ');
  assert.equal(parseRunFilter(clauses(100)).length, 100);
  rejects(() => parseRunFilter(clauses(101)), 'Invalid filter: it has more than 100 clauses; the limit is 100.');
  rejects(() => parseExperimentFilter(Array.from({ length: 101 }, () => "name = 'a'").join(' AND ')), 'more than 100 clauses');
  rejects(() => parseRunFilter(`tags.a = '${'x'.repeat(20_000)}'`), 'Invalid filter: it is 20011 characters long; the limit is 20000.');
  const list = (n: number) => `run_id IN (${Array.from({ length: n }, (_, i) => `'${i}'`).join(', ')})`;
  assert.equal((parseRunFilter(list(1000))[0]!.value as string[]).length, 1000);
  rejects(() => parseRunFilter(list(1001)), 'Invalid filter: an IN list may hold at most 1000 values.');
});

// ---------------------------------------------------------------------------------------------
// Experiments
// ---------------------------------------------------------------------------------------------

test('experiment filter: name with string comparators, with or without the attribute prefix', () => {
  for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
    assert.deepEqual(parseExperimentFilter(`name ${op} 'exp%'`), [{ type: 'attribute', key: 'name', comparator: op, value: 'exp%' }]);
    assert.deepEqual(parseExperimentFilter(`attribute.name ${op} "exp"`), [
      { type: 'attribute', key: 'name', comparator: op, value: 'exp' },
    ]);
  }
  assert.equal(parseExperimentFilter("name like 'a%'")[0]!.comparator, 'LIKE');
});

test('experiment filter: numeric times', () => {
  for (const key of ['creation_time', 'last_update_time']) {
    for (const op of ['=', '!=', '>', '>=', '<', '<='] as const) {
      assert.deepEqual(parseExperimentFilter(`${key} ${op} 1700000000000`), [
        { type: 'attribute', key, comparator: op, value: 1700000000000 },
      ]);
    }
  }
  assert.deepEqual(parseExperimentFilter('attribute.creation_time > -1'), [
    { type: 'attribute', key: 'creation_time', comparator: '>', value: -1 },
  ]);
});

test('experiment filter: tags, combined with AND', () => {
  for (const prefix of ['tag', 'tags']) {
    for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
      assert.deepEqual(parseExperimentFilter(`${prefix}.team ${op} 'ml'`), [{ type: 'tag', key: 'team', comparator: op, value: 'ml' }]);
    }
  }
  assert.deepEqual(parseExperimentFilter("tags.`mlflow.note` = 'x' and name ILIKE '%a%' AND creation_time >= 5"), [
    { type: 'tag', key: 'mlflow.note', comparator: '=', value: 'x' },
    { type: 'attribute', key: 'name', comparator: 'ILIKE', value: '%a%' },
    { type: 'attribute', key: 'creation_time', comparator: '>=', value: 5 },
  ]);
});

test('experiment filter: bad inputs are refused', () => {
  rejects(() => parseExperimentFilter("metrics.a = 'x'"), "Invalid entity type 'metrics'", "('attribute', 'tag', 'tags')");
  rejects(() => parseExperimentFilter("attributes.name = 'x'"), "Invalid entity type 'attributes'");
  rejects(() => parseExperimentFilter("experiment_id = '1'"), "Invalid attribute key 'experiment_id' specified");
  rejects(() => parseExperimentFilter("status = 'x'"), "Invalid attribute key 'status'", "'creation_time'", "'name'");
  rejects(() => parseExperimentFilter("name > 'x'"), "Invalid comparator '>' for attribute 'name'");
  rejects(() => parseExperimentFilter("name IN ('x')"), "Invalid comparator 'IN' for attribute 'name'");
  rejects(() => parseExperimentFilter("creation_time LIKE '1'"), "Invalid comparator 'LIKE' for attribute 'creation_time'");
  rejects(() => parseExperimentFilter("tags.t IS NULL"), "Invalid comparator 'IS NULL' for tag 't'");
  rejects(() => parseExperimentFilter('name = 1'), 'Expected a quoted string value for attributes. Got value 1');
  rejects(() => parseExperimentFilter("creation_time > 'x'"), 'numeric attribute: creation_time', "Found 'x'");
  rejects(() => parseExperimentFilter("name = 'a' OR name = 'b'"), 'Invalid clause(s)', "OR name = 'b'");
});

test('experiment order_by', () => {
  assert.deepEqual(parseExperimentOrderBy(['name', 'creation_time DESC', 'attribute.last_update_time asc', 'experiment_id DESC']), [
    { type: 'attribute', key: 'name', ascending: true },
    { type: 'attribute', key: 'creation_time', ascending: false },
    { type: 'attribute', key: 'last_update_time', ascending: true },
    { type: 'attribute', key: 'experiment_id', ascending: false },
  ]);
  assert.deepEqual(parseExperimentOrderBy(undefined), []);
  rejects(() => parseExperimentOrderBy(['tags.t']), 'Invalid order_by entity: tag');
  rejects(() => parseExperimentOrderBy(['start_time']), "Invalid attribute key 'start_time' specified");
  rejects(() => parseExperimentOrderBy(['name sideways']), "Invalid ordering key in order_by clause 'name sideways'");
  rejects(() => parseExperimentOrderBy(['metrics.a']), "Invalid entity type 'metrics'");
});
