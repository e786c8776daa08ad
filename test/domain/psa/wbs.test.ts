import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertChildWbs, checkWbs, parentWbsOf, wbsSortKey } from '../../../subgraphs/psa/domain/wbs.ts';

describe('wbs codes', () => {
  it('accepts dotted numbers and refuses anything else', () => {
    for (const good of ['1', '0', '1.2', '3.10.4', ' 2.1 ']) assert.equal(checkWbs('wbs', good), good.trim());
    for (const bad of ['', '1.', '.1', '1..2', '01', '1.02', 'A.1', '1.2a', '1234567', '1.1.1.1.1.1.1.1.1.1.1']) {
      assert.throws(() => checkWbs('wbs', bad), { code: 'BAD_USER_INPUT' }, bad);
    }
  });

  it('sorts numerically by segment', () => {
    const codes = ['1.10', '2', '1.9', '1', '1.2.1', '10'];
    assert.deepEqual([...codes].sort((a, b) => wbsSortKey(a).localeCompare(wbsSortKey(b))), ['1', '1.2.1', '1.9', '1.10', '2', '10']);
  });

  it('knows the parent code and refuses a subtask numbered elsewhere', () => {
    assert.equal(parentWbsOf('1.2.3'), '1.2');
    assert.equal(parentWbsOf('4'), null);
    assert.doesNotThrow(() => assertChildWbs('1.2', '1.2.7'));
    assert.throws(() => assertChildWbs('1.2', '1.3'), { code: 'BAD_USER_INPUT' });
    assert.throws(() => assertChildWbs('1', '1.2.1'), { code: 'BAD_USER_INPUT' });
  });
});
