import { expect } from 'chai';
import { IDENTITY_ERROR_MESSAGES, identityError } from '../../node/identity/errors.ts';

describe('identity/errors', () => {
  it('documents every code the brief names, each with a Chinese message', () => {
    expect(Object.keys(IDENTITY_ERROR_MESSAGES).sort()).to.deep.equal(
      [
        'USCC_LENGTH', 'USCC_ALPHABET', 'USCC_AUTHORITY', 'USCC_REGION', 'USCC_ORG_CHECK', 'USCC_CHECKSUM',
        'USCC_LEGACY', 'ID_LENGTH', 'ID_FORMAT', 'ID_REGION', 'ID_BIRTHDATE', 'ID_CHECKSUM', 'CODE_UNKNOWN',
      ].sort(),
    );
    const messages = Object.values(IDENTITY_ERROR_MESSAGES);
    expect(new Set(messages).size).to.equal(messages.length);
    for (const m of messages) expect(m).to.match(/[\u4e00-\u9fff]/);
    expect(IDENTITY_ERROR_MESSAGES.USCC_CHECKSUM).to.equal('统一社会信用代码校验位错误');
  });

  it('appends a detail to the default message', () => {
    expect(identityError('ID_CHECKSUM')).to.deep.equal({ code: 'ID_CHECKSUM', message: '公民身份号码校验码错误' });
    expect(identityError('USCC_ALPHABET', 'I').message).to.match(/：I$/);
  });
});
