import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { droppedMeanwhile } from '../../lib/db/database.ts';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('a migration that met another schema being dropped runs again', () => {
  it('when the schema or a table the catalog read named was another schema\'s', () => {
    assert.equal(droppedMeanwhile(pgError('3F000', 'schema "t2_crm" does not exist'), 't1_erp'), true);
    assert.equal(droppedMeanwhile(pgError('42P01', 'relation "t2_crm.customer" does not exist'), 't1_erp'), true);
  });

  it('not when its own schema or table is missing, or for any other error', () => {
    assert.equal(droppedMeanwhile(pgError('3F000', 'schema "t1_erp" does not exist'), 't1_erp'), false);
    assert.equal(droppedMeanwhile(pgError('42P01', 'relation "t1_erp.invoice" does not exist'), 't1_erp'), false);
    // Unqualified: a migration's own statement naming a table it expected, not the catalog read.
    assert.equal(droppedMeanwhile(pgError('42P01', 'relation "invoice" does not exist'), 't1_erp'), false);
    assert.equal(droppedMeanwhile(pgError('42703', 'column "x" does not exist'), 't1_erp'), false);
  });
});
