import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvField, toCsv } from '../../lib/http/csv.ts';

describe('RFC 4180 CSV', () => {
  it('leaves plain fields alone and quotes commas, quotes and line breaks', () => {
    assert.equal(csvField('8.00'), '8.00');
    assert.equal(csvField('Doe, Jane'), '"Doe, Jane"');
    assert.equal(csvField('the "Boss"'), '"the ""Boss"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\r'), '"cr\r"');
    assert.equal(csvField(''), '');
  });

  it('defuses text a spreadsheet would run as a formula, and leaves numbers alone', () => {
    assert.equal(csvField('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
    assert.equal(csvField('+1 555'), "'+1 555");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvField('-2.50'), '-2.50');
    assert.equal(csvField('-x'), "'-x");
  });

  it('ends every record in CRLF', () => {
    assert.equal(toCsv([['a', 'b'], ['1', 'x,y']]), 'a,b\r\n1,"x,y"\r\n');
    assert.equal(toCsv([]), '');
  });
});
